package dev.ballast.webhook.outbox;

import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.Backoff;
import dev.ballast.resilience.db.SchemaMigrator;
import dev.ballast.resilience.http.AbortClass;
import dev.ballast.resilience.http.CallAbortedException;
import dev.ballast.webhook.outbox.OutboxLeases.Claimed;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Value;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands outbox rows to jobs-service (DESIGN.md flow 2). Each run claims a batch of due rows for a lease (other
 * replicas skip them), sends each with its dedupe key as {@code Idempotency-Key} through {@link JobsOperations}
 * (retries, deadline, budget and breaker come from {@code ballast.clients.jobs.*}), then:
 * <ul>
 *   <li>2xx (201 created, 200 already there): marks the row delivered;</li>
 *   <li>a 4xx that says the job itself is wrong (400, 409, 413, 422): parks the row, since sending it again
 *       cannot help; parked rows stay in the table for an operator;</li>
 *   <li>anything else (jobs-service down, 5xx, 429, timeouts, 401/403/404 misconfiguration): one more attempt,
 *       due again after a per-row backoff with full jitter, and the rest of the batch is released unsent, so
 *       a down jobs-service sees one call per run: each run sends its first row alone and fans out
 *       ({@code in-flight} at once) only when that one went through;</li>
 *   <li>breaker open: counted as a failed attempt like the above (the policy reports a failed half-open probe
 *       this way too);</li>
 *   <li>we are shutting down: the row is released unsent, attempts untouched.</li>
 * </ul>
 * Nothing is lost: a row leaves the due set only when delivered or parked, and a claim that dies with its replica
 * comes back when the lease ends. A row may be sent twice (lease ran out, or marking it delivered failed);
 * jobs-service dedupes by the key, which is why every send carries it.
 */
@Singleton
public final class OutboxRelay {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final Set<Integer> PERMANENT = Set.of(400, 409, 413, 422);
    private static final int MAX_ERROR_LENGTH = 200;

    /** What one run did. */
    public record Run(int claimed, int delivered, int failed, int parked, int released) {
        static final Run NOTHING = new Run(0, 0, 0, 0, 0);
    }

    private enum Outcome { DELIVERED, FAILED, PARKED, NOT_SENT }

    private final OutboxLeases leases;
    @Nullable
    private final SchemaMigrator schema;
    private final JobsOperations jobs;
    private final OutboxRelaySettings settings;
    private final Backoff backoff;
    private final JsonMapper json;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Counter relayed;
    private final Counter parked;
    private final AtomicLong depth = new AtomicLong();
    private final AtomicReference<Instant> oldest = new AtomicReference<>();
    private final AtomicBoolean unavailable = new AtomicBoolean();
    private final AtomicReference<String> lastFailure = new AtomicReference<>("-");

    OutboxRelay(OutboxLeases leases, JobsClient jobs, OutboxRelaySettings settings, JsonMapper json, Clock clock,
                MeterRegistry meters, @Value("${ballast.clients.jobs.deadline:60s}") Duration jobsDeadline,
                @Nullable SchemaMigrator schema) {
        if (settings.lease().compareTo(jobsDeadline) <= 0) {
            throw new ConfigurationException("ballast.webhook.outbox.relay.lease (" + settings.lease()
                    + ") must outlast ballast.clients.jobs.deadline (" + jobsDeadline + "), or a slow send is repeated");
        }
        this.leases = leases;
        this.schema = schema;
        this.jobs = jobs;
        this.settings = settings;
        this.backoff = new Backoff(settings.backoffBase(), settings.backoffCap());
        this.json = json;
        this.clock = clock;
        this.meters = meters;
        this.relayed = Counter.builder("ballast.outbox.relayed").description("outbox rows accepted by jobs-service")
                .register(meters);
        this.parked = Counter.builder("ballast.outbox.parked")
                .description("outbox rows jobs-service refused for good, kept and no longer sent").register(meters);
        Gauge.builder("ballast.outbox.depth", depth, AtomicLong::get)
                .description("undelivered, unparked outbox rows (as of the last relay run)").register(meters);
        Gauge.builder("ballast.outbox.oldest.age", this, OutboxRelay::oldestAgeSeconds).baseUnit("seconds")
                .description("age of the oldest undelivered outbox row").register(meters);
    }

    @Scheduled(fixedDelay = "${ballast.webhook.outbox.relay.interval:1s}",
            initialDelay = "${ballast.webhook.outbox.relay.initial-delay:5s}")
    void scheduled() {
        // before the schema is migrated every claim would fail; the migrator retries on its own
        if (!settings.enabled() || schema != null && !schema.migrated()) {
            return;
        }
        try {
            relayOnce();
        } catch (RuntimeException e) {
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("outbox relay run failed, next run at the next interval: {}", e.getClass().getSimpleName());
        }
    }

    /** One run: claim, send, record. Safe to call from several threads or replicas at once. */
    public Run relayOnce() {
        List<Claimed> claimed;
        try {
            claimed = leases.claim(settings.batchSize(), settings.lease());
        } catch (SQLException e) {
            LOG.warn("outbox relay cannot claim rows: sqlstate={}", e.getSQLState());
            return Run.NOTHING;
        }
        Run run = claimed.isEmpty() ? Run.NOTHING : send(claimed);
        refreshDepth();
        logRun(run);
        return run;
    }

    /** One line when jobs-service goes away and one when it is back; every run only at DEBUG. */
    private void logRun(Run run) {
        if (run.delivered() > 0 && unavailable.compareAndSet(true, false)) {
            LOG.info("outbox relay: jobs-service accepts jobs again, draining depth={}", depth.get());
        } else if (run.failed() > 0 && run.delivered() == 0 && unavailable.compareAndSet(false, true)) {
            LOG.warn("outbox relay: jobs-service unavailable ({}), rows kept and retried with backoff, depth={}",
                    lastFailure.get(), depth.get());
        }
        if (run.claimed() > 0) {
            LOG.debug("outbox relay run claimed={} delivered={} failed={} parked={} released={}", run.claimed(),
                    run.delivered(), run.failed(), run.parked(), run.released());
        }
    }

    private Run send(List<Claimed> claimed) {
        AtomicBoolean stop = new AtomicBoolean();
        int[] counts = new int[Outcome.values().length];
        List<Claimed> unsent = new ArrayList<>();
        // the first row goes alone: while jobs-service is down (or the breaker open) a run costs one call, not a batch
        counts[sendOne(claimed.getFirst(), stop).ordinal()]++;
        List<Claimed> rest = claimed.subList(1, claimed.size());
        if (stop.get()) {
            unsent.addAll(rest);
        } else {
            Semaphore slots = new Semaphore(settings.inFlight());
            try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
                for (Claimed row : rest) {
                    slots.acquireUninterruptibly();
                    if (stop.get()) {
                        slots.release();
                        unsent.add(row);
                        continue;
                    }
                    senders.execute(() -> {
                        try {
                            Outcome outcome = sendOne(row, stop);
                            synchronized (counts) {
                                counts[outcome.ordinal()]++;
                            }
                        } finally {
                            slots.release();
                        }
                    });
                }
            }
        }
        for (Claimed row : unsent) {
            release(row);
        }
        return new Run(claimed.size(), counts[Outcome.DELIVERED.ordinal()], counts[Outcome.FAILED.ordinal()],
                counts[Outcome.PARKED.ordinal()], unsent.size() + counts[Outcome.NOT_SENT.ordinal()]);
    }

    private Outcome sendOne(Claimed row, AtomicBoolean stop) {
        JobRequest request;
        try {
            request = new JobRequest(row.jobType(), row.workspaceId().toString(),
                    json.readValue(row.payload(), JsonNode.class), row.dedupeKey());
        } catch (IOException e) {
            // jsonb always parses; if it ever does not, no resend can fix it
            return park(row, "payload is not JSON", "payload");
        }
        try {
            jobs.enqueue(row.dedupeKey(), request);
        } catch (HttpClientResponseException e) {
            int status = e.getStatus().getCode();
            if (PERMANENT.contains(status)) {
                return park(row, "jobs-service answered " + status, Integer.toString(status));
            }
            stop.set(true);
            return fail(row, "jobs-service answered " + status, statusTag(status));
        } catch (RuntimeException e) {
            if (isNotSent(e)) {
                stop.set(true);
                release(row);
                return Outcome.NOT_SENT;
            }
            stop.set(true);
            // breaker open counts as an attempt: the policy reports it even when a half-open probe was sent and failed
            String tag = e instanceof CallNotPermittedException ? "breaker_open"
                    : e instanceof CallAbortedException aborted ? aborted.abortClass().name().toLowerCase(Locale.ROOT)
                    : e instanceof HttpClientException ? "unreachable" : "error";
            return fail(row, "jobs-service call failed: " + tag + " (" + e.getClass().getSimpleName() + ")", tag);
        }
        try {
            leases.markDelivered(row);
        } catch (SQLException | RuntimeException e) {
            // jobs-service has it; the lease brings the row back and the resend is answered 200 under the same key
            LOG.warn("outbox row {} sent but not marked delivered ({}); it is resent after the lease", row.id(),
                    e.getClass().getSimpleName());
        }
        relayed.increment();
        return Outcome.DELIVERED;
    }

    /** Our own shutdown or cancellation: not the row's fault, so no attempt is counted. */
    private static boolean isNotSent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof CallAbortedException aborted
                    && (aborted.abortClass() == AbortClass.SHUTDOWN || aborted.abortClass() == AbortClass.CALLER_CANCELLED)) {
                return true;
            }
        }
        return false;
    }

    private static String statusTag(int status) {
        return status == 429 || status == 503 ? Integer.toString(status) : (status / 100) + "xx";
    }

    private Outcome fail(Claimed row, String error, String reason) {
        int attempt = row.attempts() + 1;
        Duration delay = Duration.ofMillis(backoff.delayMillis(Math.min(attempt, 31)));
        meters.counter("ballast.outbox.failed", "reason", reason).increment();
        lastFailure.set(reason);
        try {
            leases.recordFailure(row, shorten(error), delay);
        } catch (SQLException | RuntimeException e) {
            // the lease still holds the row back; it is tried again when the lease ends
            LOG.warn("outbox row {} failed and the failure was not recorded ({})", row.id(), e.getClass().getSimpleName());
        }
        LOG.debug("outbox row {} attempt {} failed ({}), due again in {} ms", row.id(), attempt, reason, delay.toMillis());
        return Outcome.FAILED;
    }

    private Outcome park(Claimed row, String error, String reason) {
        try {
            leases.park(row, shorten(error));
        } catch (SQLException | RuntimeException e) {
            LOG.warn("outbox row {} refused by jobs-service but not parked ({})", row.id(), e.getClass().getSimpleName());
            return Outcome.FAILED;
        }
        parked.increment();
        LOG.warn("outbox row {} parked: jobs-service refused job {} ({})", row.id(), row.jobType(), reason);
        return Outcome.PARKED;
    }

    private void release(Claimed row) {
        try {
            leases.release(row);
        } catch (SQLException | RuntimeException e) {
            // harmless: the row is due again when the lease ends
            LOG.debug("outbox row {} not released ({})", row.id(), e.getClass().getSimpleName());
        }
    }

    private void refreshDepth() {
        try {
            OutboxLeases.Depth d = leases.depth();
            depth.set(d.rows());
            oldest.set(d.oldest());
        } catch (SQLException | RuntimeException e) {
            LOG.debug("outbox depth not refreshed ({})", e.getClass().getSimpleName());
        }
    }

    private double oldestAgeSeconds() {
        Instant o = oldest.get();
        return o == null ? 0 : Math.max(0, Duration.between(o, clock.instant()).toMillis() / 1000.0);
    }

    private static String shorten(String error) {
        return error.length() <= MAX_ERROR_LENGTH ? error : error.substring(0, MAX_ERROR_LENGTH);
    }
}
