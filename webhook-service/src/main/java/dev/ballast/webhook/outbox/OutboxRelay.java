package dev.ballast.webhook.outbox;

import dev.ballast.jobs.api.JobReceipt;
import dev.ballast.jobs.api.JobRequest;
import dev.ballast.jobs.api.JobsOperations;
import dev.ballast.resilience.Backoff;
import dev.ballast.resilience.Causes;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.StatementFailedException;
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
import io.micronaut.http.HttpResponse;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hands outbox rows to jobs-service. Each run claims a batch of due rows for a lease (other
 * replicas skip them, {@code FOR UPDATE SKIP LOCKED}) and sends the whole batch in ONE call,
 * {@code POST /jobs/bulk?partial=true}, each job carrying its row's dedupe key (the call carries an
 * {@code Idempotency-Key} too, so the {@code ballast.clients.jobs} policy may resend it as a whole on a timeout or
 * a 5xx: jobs-service dedupes every item by its key). Then, per row:
 * <ul>
 *   <li>answered created or existing: delivered (one UPDATE for the batch);</li>
 *   <li>answered {@code refused} (the job itself is wrong: a 422 for that item alone): parked, the others of the call
 *       are stored and delivered; parked rows stay in the table for an operator;</li>
 *   <li>the call refused as a whole with 400, 409, 413 or 422 (no item named): the batch is halved and each half sent
 *       again, until the row at fault is alone and parked;</li>
 *   <li>the call failed as a whole (jobs-service down, 5xx, 429, timeouts, 401/403/404 misconfiguration, breaker
 *       open): the batch's first row takes one more attempt, due again after a per-row backoff with full jitter,
 *       and the rest are released unsent as they were, so that an outage does not push the backlog into the
 *       future. Until a call goes through again each run claims one row only: a down jobs-service sees one call
 *       per run, and runs come at the interval (wake-ups are ignored meanwhile);</li>
 *   <li>we are shutting down: the rows are released unsent, attempts untouched.</li>
 * </ul>
 * A run that came back full is followed at once by another until a claim comes back short or a call fails: a
 * backlog drains at jobs-service's speed, not the interval's. An idle relay is woken in-process by the intake
 * right after it commits a delivery's outbox rows (no NOTIFY: measured, it would cost the intake's transaction a
 * fifth or more of its rate); other replicas, and rows left by a replica that died, are found at the interval. Up to {@code in-flight} drainers run at once per replica (a
 * commit during a pass starts another rather than waiting for it; a full claim asks for another); while
 * jobs-service is down, one.
 * Nothing is lost: a row leaves the due set only when delivered or parked, and a claim that dies with its replica
 * comes back when the lease ends. A row may be sent twice (lease ran out, marking it delivered failed, a resent
 * call); jobs-service dedupes by the key, which is why every job carries it.
 */
@Singleton
public final class OutboxRelay {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxRelay.class);
    private static final Set<Integer> PERMANENT = Set.of(400, 409, 413, 422);
    private static final int MAX_ERROR_LENGTH = 200;
    private static final long METRICS_EVERY_MS = 1_000;

    /** What one run did. */
    public record Run(int claimed, int delivered, int failed, int parked, int released) {
        static final Run NOTHING = new Run(0, 0, 0, 0, 0);
    }

    /** Counts of one run, and whether the run must stop sending (the call failed as a whole). */
    private static final class Tally {
        int delivered;
        int failed;
        int parked;
        int released;
        boolean stop;
    }

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
    private final AtomicInteger drainers = new AtomicInteger();
    private final AtomicBoolean asked = new AtomicBoolean();
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicLong delivered = new AtomicLong();
    private final Object metricsLock = new Object();
    private long metricsAt;
    private long deliveredAtMetrics;
    private volatile double drainRate;

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
                .description("undelivered, unparked outbox rows (the backlog; refreshed at most every second)")
                .register(meters);
        Gauge.builder("ballast.outbox.oldest.age", this, OutboxRelay::oldestAgeSeconds).baseUnit("seconds")
                .description("age of the oldest undelivered outbox row").register(meters);
        Gauge.builder("ballast.outbox.drain.rate", this, r -> r.drainRate).baseUnit("rows/s")
                .description("outbox rows this replica delivered per second, over the last second or more")
                .register(meters);
        this.metricsAt = System.nanoTime();
    }

    /** The fallback wake-up: drains whatever is due (another replica's rows too), even while jobs-service is down. */
    @Scheduled(fixedDelay = "${ballast.webhook.outbox.relay.interval:1s}",
            initialDelay = "${ballast.webhook.outbox.relay.initial-delay:5s}")
    void scheduled() {
        if (ready()) {
            ask();
        }
    }

    /**
     * A delivery committed new outbox rows in this process: drain now (a run in progress does not hold it up: up to
     * {@code in-flight} run at once), unless jobs-service is down (then only the interval runs, one call per run).
     */
    public void wake() {
        if (ready() && !unavailable.get()) {
            ask();
        }
    }

    private boolean ready() {
        // before the schema is migrated every claim would fail; the migrator retries on its own
        return settings.enabled() && !stopping.get() && (schema == null || schema.migrated());
    }

    /**
     * Has a drainer run: a new one while fewer than {@code in-flight} run (so that a commit need not wait for the pass
     * in progress), else one of those running makes one more pass. While jobs-service is down at most one runs.
     */
    private void ask() {
        asked.set(true);
        if (enter()) {
            Thread.ofVirtual().name("outbox-relay").start(this::drainWhileAsked);
        }
    }

    private boolean enter() {
        int limit = unavailable.get() ? 1 : settings.inFlight();
        for (int n = drainers.get(); n < limit; n = drainers.get()) {
            if (drainers.compareAndSet(n, n + 1)) {
                return true;
            }
        }
        return false;
    }

    private void drainWhileAsked() {
        do {
            try {
                while (asked.getAndSet(false) && !stopping.get()) {
                    drain();
                }
            } catch (RuntimeException e) {
                LOG.atLevel(DbRetry.loopFailureLevel(e)).log("outbox relay drain failed, next at the next wake-up: {}",
                        e.getClass().getSimpleName());
            } finally {
                drainers.decrementAndGet();
            }
            // asked after our last look but before we let go: nobody else may start a drainer for it
        } while (asked.get() && !stopping.get() && enter());
    }

    /** Runs while claims come back full; each full one asks for another drainer, up to {@code in-flight} at once. */
    void drain() {
        while (!stopping.get() && full(relayOnce())) {
            // a full claim: there is more, and jobs-service took this batch
            ask();
        }
    }

    private boolean full(Run run) {
        return run.claimed() > 0 && run.claimed() >= (unavailable.get() ? 1 : settings.batchSize())
                && run.failed() == 0 && run.released() == 0;
    }

    @PreDestroy
    void stop() {
        stopping.set(true);
    }

    /** One run: claim, send, record. Safe to call from several threads or replicas at once. */
    public Run relayOnce() {
        List<Claimed> claimed;
        try {
            // while jobs-service is down a run probes with one row, so that an outage costs one small call per run
            claimed = leases.claim(unavailable.get() ? 1 : settings.batchSize(), settings.lease());
        } catch (StatementFailedException e) {
            LOG.warn("outbox relay cannot claim rows: sqlstate={}", e.sqlState());
            return Run.NOTHING;
        }
        Run run = claimed.isEmpty() ? Run.NOTHING : send(claimed);
        refreshMetrics();
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
        Tally tally = new Tally();
        List<Claimed> rows = new ArrayList<>(claimed.size());
        List<JobRequest> requests = new ArrayList<>(claimed.size());
        for (Claimed row : claimed) {
            try {
                requests.add(JobRequest.of(row.jobType(), row.workspaceId().toString(),
                        json.readValue(row.payload(), JsonNode.class), row.dedupeKey()));
                rows.add(row);
            } catch (IOException e) {
                // jsonb always parses; if it ever does not, no resend can fix it
                park(row, "payload is not JSON", "payload", tally);
            }
        }
        if (!rows.isEmpty()) {
            sendBatch(rows, requests, tally);
        }
        return new Run(claimed.size(), tally.delivered, tally.failed, tally.parked, tally.released);
    }

    private void sendBatch(List<Claimed> rows, List<JobRequest> requests, Tally tally) {
        if (tally.stop) {
            release(rows, tally);
            return;
        }
        List<JobReceipt> receipts;
        try {
            HttpResponse<List<JobReceipt>> answer = jobs.enqueueAll(callKey(rows), Boolean.TRUE, requests);
            receipts = answer.body();
        } catch (HttpClientResponseException e) {
            int status = e.getStatus().getCode();
            if (!PERMANENT.contains(status)) {
                failCall(rows, "jobs-service answered " + status, statusTag(status), tally);
            } else if (rows.size() == 1) {
                park(rows.getFirst(), "jobs-service answered " + status, Integer.toString(status), tally);
            } else {
                // refused as a whole, no item named: halves, until the row at fault is alone
                int half = rows.size() / 2;
                sendBatch(rows.subList(0, half), requests.subList(0, half), tally);
                sendBatch(rows.subList(half, rows.size()), requests.subList(half, requests.size()), tally);
            }
            return;
        } catch (RuntimeException e) {
            if (isNotSent(e)) {
                tally.stop = true;
                release(rows, tally);
                return;
            }
            // breaker open counts as an attempt: the policy reports it even when a half-open probe was sent and failed
            String tag = e instanceof CallNotPermittedException ? "breaker_open"
                    : e instanceof CallAbortedException aborted ? aborted.abortClass().name().toLowerCase(Locale.ROOT)
                    : e instanceof HttpClientException ? "unreachable" : "error";
            failCall(rows, "jobs-service call failed: " + tag + " (" + e.getClass().getSimpleName() + ")", tag, tally);
            return;
        }
        if (receipts == null || receipts.size() != rows.size()) {
            failCall(rows, "jobs-service answered " + (receipts == null ? 0 : receipts.size()) + " items for "
                    + rows.size(), "bad_answer", tally);
            return;
        }
        List<Claimed> accepted = new ArrayList<>(rows.size());
        for (int i = 0; i < rows.size(); i++) {
            JobReceipt receipt = receipts.get(i);
            if (receipt != null && receipt.isRefused()) {
                LOG.warn("outbox row {} refused by jobs-service: {} {}", rows.get(i).id(), receipt.pointer(),
                        receipt.detail());
                park(rows.get(i), "jobs-service answered 422", "422", tally);
            } else {
                accepted.add(rows.get(i));
            }
        }
        try {
            leases.markDelivered(accepted);
        } catch (RuntimeException e) {
            // jobs-service has them; the lease brings the rows back and the resend is answered under the same keys
            LOG.warn("{} outbox rows sent but not marked delivered ({}); they are resent after the lease",
                    accepted.size(), e.getClass().getSimpleName());
        }
        relayed.increment(accepted.size());
        delivered.addAndGet(accepted.size());
        tally.delivered += accepted.size();
    }

    /** Names the call for the retry policy (a resend is safe: every item carries its dedupe key); not stored. */
    private static String callKey(List<Claimed> rows) {
        return "outbox:" + rows.getFirst().token() + ":" + rows.getFirst().id() + "+" + rows.size();
    }

    /** The call failed as a whole: its first row stands for it, the others are due again as they were. */
    private void failCall(List<Claimed> rows, String error, String reason, Tally tally) {
        tally.stop = true;
        fail(rows.getFirst(), error, reason);
        tally.failed++;
        release(rows.subList(1, rows.size()), tally);
    }

    /** Our own shutdown or cancellation: not the row's fault, so no attempt is counted. */
    private static boolean isNotSent(Throwable e) {
        return Causes.any(e, t -> t instanceof CallAbortedException aborted
                && (aborted.abortClass() == AbortClass.SHUTDOWN || aborted.abortClass() == AbortClass.CALLER_CANCELLED));
    }

    private static String statusTag(int status) {
        return status == 429 || status == 503 ? Integer.toString(status) : (status / 100) + "xx";
    }

    private void fail(Claimed row, String error, String reason) {
        int attempt = row.attempts() + 1;
        Duration delay = Duration.ofMillis(backoff.delayMillis(Math.min(attempt, 31)));
        meters.counter("ballast.outbox.failed", "reason", reason).increment();
        lastFailure.set(reason);
        try {
            leases.recordFailure(row, shorten(error), delay);
        } catch (RuntimeException e) {
            // the lease still holds the row back; it is tried again when the lease ends
            LOG.warn("outbox row {} failed and the failure was not recorded ({})", row.id(), e.getClass().getSimpleName());
        }
        LOG.debug("outbox row {} attempt {} failed ({}), due again in {} ms", row.id(), attempt, reason, delay.toMillis());
    }

    private void park(Claimed row, String error, String reason, Tally tally) {
        try {
            leases.park(row, shorten(error));
        } catch (RuntimeException e) {
            LOG.warn("outbox row {} refused by jobs-service but not parked ({})", row.id(), e.getClass().getSimpleName());
            tally.failed++;
            return;
        }
        parked.increment();
        tally.parked++;
        LOG.warn("outbox row {} parked: jobs-service refused job {} ({})", row.id(), row.jobType(), reason);
    }

    private void release(List<Claimed> rows, Tally tally) {
        for (Claimed row : rows) {
            try {
                leases.release(row);
            } catch (RuntimeException e) {
                // harmless: the row is due again when the lease ends
                LOG.debug("outbox row {} not released ({})", row.id(), e.getClass().getSimpleName());
            }
        }
        tally.released += rows.size();
    }

    /**
     * Backlog depth and oldest age (one count over the due index) and the drain rate, at most once a second: neither
     * a fast drain nor a relay woken by every commit pays a count per run.
     */
    private void refreshMetrics() {
        long now = System.nanoTime();
        synchronized (metricsLock) {
            long elapsed = now - metricsAt;
            if (elapsed < METRICS_EVERY_MS * 1_000_000) {
                return;
            }
            long total = delivered.get();
            drainRate = (total - deliveredAtMetrics) * 1e9 / elapsed;
            deliveredAtMetrics = total;
            metricsAt = now;
        }
        try {
            OutboxLeases.Depth d = leases.depth();
            depth.set(d.rows());
            oldest.set(d.oldest());
        } catch (RuntimeException e) {
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
