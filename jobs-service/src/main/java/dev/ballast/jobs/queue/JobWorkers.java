package dev.ballast.jobs.queue;

import dev.ballast.resilience.Backoff;
import dev.ballast.resilience.db.DbFailureClassifier;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.SchemaMigrator;
import io.micronaut.context.annotation.Context;
import io.micronaut.core.annotation.Nullable;
import jakarta.annotation.PreDestroy;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * This replica's worker pool: one dispatcher thread claims due jobs in batches and hands them to the
 * {@link JobRunner}, which runs at most {@code concurrency} at once. A claimed job counts against the pool until its
 * outcome is durably written, not merely until its handler returns: the pool holds at most {@code concurrency +
 * batch} jobs (running, waiting for a handler slot, or finished with the outcome unwritten), so a slow outcome
 * writer stops the claiming instead of leaving ever more jobs {@code running} in the database with their outcomes
 * only in memory, where a lease running out would have them run twice. It claims again at once
 * while claims come back full; otherwise it sleeps until woken by a NOTIFY ({@link EnqueueListener}), an enqueue in
 * this process, or the poll interval. A database outage only makes claims fail for a while: the dispatcher backs
 * off and carries on when the database is back, without a restart.
 */
@Context
public final class JobWorkers {

    private static final Logger LOG = LoggerFactory.getLogger(JobWorkers.class);
    // When every slot is busy, wait this long for a few more to free up so that claims stay batched.
    private static final long GATHER_MILLIS = 2;

    private final JobStore store;
    private final JobRunner runner;
    private final OutcomeWriter writer;
    private final JobMetrics metrics;
    private final WorkerSettings settings;
    private final @Nullable SchemaMigrator schema;
    private final Backoff backoff;
    private final String workerId;
    // Jobs this pool may hold (claimed and not yet written), and handlers it may run at once.
    private final Semaphore slots;
    private final Semaphore handlerSlots;
    private final Semaphore wake = new Semaphore(0);
    // Released when a held job's slot comes back: the dispatcher waits on it while the pool holds its target.
    private final Semaphore freed = new Semaphore(0);
    private volatile boolean stopping;
    private volatile Thread dispatcher;

    JobWorkers(JobStore store, JobRunner runner, OutcomeWriter writer, JobMetrics metrics, WorkerSettings settings,
               @Nullable SchemaMigrator schema, DbRetry retry) {
        this.store = store;
        this.runner = runner;
        this.writer = writer;
        this.metrics = metrics;
        this.settings = settings;
        this.schema = schema;
        this.backoff = retry.policy().backoff();
        this.workerId = settings.workerId() == null || settings.workerId().isBlank() ? defaultWorkerId()
                : settings.workerId().strip();
        this.slots = new Semaphore(settings.held());
        this.handlerSlots = new Semaphore(settings.concurrency());
        if (settings.enabled()) {
            dispatcher = Thread.ofPlatform().daemon().name("jobs-dispatcher").start(this::dispatch);
            LOG.info("job workers started worker={} concurrency={} batch={} held_max={} prefetch_window={} "
                            + "poll_interval={} lease={}", workerId, settings.concurrency(), settings.claimBatch(),
                    settings.held(), settings.prefetchWindow(), settings.pollInterval(), settings.lease());
        } else {
            LOG.info("job workers disabled (ballast.jobs.workers.enabled=false): jobs run only through the cron endpoint");
        }
    }

    public String workerId() {
        return workerId;
    }

    public boolean enabled() {
        return settings.enabled();
    }

    /** Something may be due: claim now rather than at the next poll. Cheap and safe to call from anywhere. */
    public void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    private void dispatch() {
        int failures = 0;
        while (!stopping) {
            try {
                if (schema != null && !schema.migrated()) {
                    wake.tryAcquire(Math.min(200, settings.pollInterval().toMillis()), TimeUnit.MILLISECONDS);
                    continue;
                }
                int free = takeSlots();
                // A wake-up that arrives while we claim is kept and makes us claim again.
                wake.drainPermits();
                List<ClaimedJob> jobs;
                long started = System.nanoTime();
                try {
                    jobs = store.claim(free, settings.lease(), workerId);
                } catch (RuntimeException e) {
                    slots.release(free);
                    failures++;
                    if (failures == 1) {
                        LOG.warn("job workers cannot claim, retrying with backoff: {} sqlstate={}",
                                DbFailureClassifier.classify(e), DbFailureClassifier.sqlState(e));
                    }
                    wake.tryAcquire(Math.max(50, backoff.delayMillis(Math.min(failures, 10))), TimeUnit.MILLISECONDS);
                    continue;
                }
                metrics.claimTook(System.nanoTime() - started);
                if (failures > 0) {
                    LOG.info("job workers claim again after {} failed claims", failures);
                    failures = 0;
                }
                slots.release(free - jobs.size());
                for (ClaimedJob job : jobs) {
                    runner.start(job, handlerSlots, this::settled);
                }
                if (jobs.size() < free) {
                    wake.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.error("job dispatcher error, continuing: {}", e.toString());
            }
        }
    }

    private void settled(ClaimedJob job, @Nullable AttemptOutcome outcome, CompletableFuture<Boolean> written) {
        // The slot comes back once the outcome is written (or refused, or given up): never sooner.
        written.whenComplete((ok, e) -> {
            slots.release();
            if (freed.availablePermits() == 0) {
                freed.release();
            }
        });
        if (outcome != null && outcome.status() == JobState.AVAILABLE) {
            // Our own retry or snooze comes due: claim then rather than at the next poll.
            written.thenRun(() -> CompletableFuture.delayedExecutor(outcome.delay().toMillis() + 1, TimeUnit.MILLISECONDS)
                    .execute(this::wake));
        }
    }

    /**
     * Waits until the pool holds fewer jobs than its target (running ones plus the prefetch their recent run time
     * calls for) and a slot is free, then takes up to a batch of slots, never past the target.
     */
    private int takeSlots() throws InterruptedException {
        int batch = settings.claimBatch();
        int room;
        while ((room = room()) <= 0) {
            freed.drainPermits();
            if ((room = room()) > 0) {
                break;
            }
            freed.tryAcquire(settings.pollInterval().toMillis(), TimeUnit.MILLISECONDS);
        }
        int limit = Math.min(batch, room);
        boolean wasFull = slots.availablePermits() == 0;
        slots.acquire();
        int taken = 1;
        if (wasFull && limit > 1) {
            // Saturated: let a few more slots free up so that one claim fills several.
            int more = Math.max(1, limit / 2) - 1;
            if (more > 0 && slots.tryAcquire(more, GATHER_MILLIS, TimeUnit.MILLISECONDS)) {
                taken += more;
            }
        }
        while (taken < limit && slots.tryAcquire()) {
            taken++;
        }
        return taken;
    }

    /** How many more jobs the pool should hold now (may be 0 or less). */
    private int room() {
        int holding = settings.held() - slots.availablePermits();
        return settings.concurrency() + settings.prefetch(runner.meanRunNanos()) - holding;
    }

    @PreDestroy
    void stop() throws InterruptedException {
        stopping = true;
        Thread d = dispatcher;
        if (d == null) {
            return;
        }
        d.interrupt();
        d.join(1000);
        // Let running handlers finish within the grace, then give up the rest (their leases bring them back).
        long until = System.nanoTime() + settings.shutdownGrace().toNanos();
        while (runner.runningHandlers() > 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        runner.abandonAll();
        writer.drain(Math.max(100, (until - System.nanoTime()) / 1_000_000));
    }

    private static String defaultWorkerId() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "worker";
        }
        return host + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
