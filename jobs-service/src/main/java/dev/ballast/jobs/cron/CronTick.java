package dev.ballast.jobs.cron;

import dev.ballast.jobs.queue.AttemptOutcome;
import dev.ballast.jobs.queue.ClaimedJob;
import dev.ballast.jobs.queue.JobRunner;
import dev.ballast.jobs.queue.JobStore;
import dev.ballast.jobs.queue.JobWorkers;
import dev.ballast.jobs.queue.LeaseExpiryRescuer;
import dev.ballast.jobs.queue.WorkerSettings;
import dev.ballast.resilience.db.DbUnavailableException;
import dev.ballast.resilience.db.SchemaMigrator;
import dev.ballast.resilience.http.Deadline;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One time-budgeted run of due jobs, for deployments driven by a Kubernetes CronJob: rescue expired leases, then
 * claim and run due jobs ({@code concurrency} at once) until none is due or the budget is spent. The budget bounds
 * the whole tick, answer included: each database unit runs within the smaller of the unit timeout and what is left
 * (a database that hangs is found out in seconds, not at the end of the budget), and jobs still running or outcomes
 * still unwritten when it ends carry on in the background. Every outcome goes through the same fenced writer as the
 * worker pool's; one never written comes back with its lease.
 */
@Singleton
public final class CronTick {

    private static final Logger LOG = LoggerFactory.getLogger(CronTick.class);

    /** What one tick did. {@code stoppedBy}: {@code drained}, {@code budget} or {@code db_unavailable}. */
    @Serdeable
    public record Result(int claimed, int succeeded, int retried, int dead, int timedOut, int snoozed, int fenced,
                         int abandoned, int rescued, long budgetMs, long elapsedMs, String stoppedBy) {
    }

    /** The database could not be reached before any job was claimed. */
    public static final class Unavailable extends RuntimeException {
        Unavailable(String message, @Nullable Throwable cause) {
            super(message, cause);
        }
    }

    private final JobStore store;
    private final JobRunner runner;
    private final LeaseExpiryRescuer rescuer;
    private final WorkerSettings workers;
    private final CronSettings settings;
    private final String workerId;
    private final @Nullable SchemaMigrator schema;

    CronTick(JobStore store, JobRunner runner, LeaseExpiryRescuer rescuer, JobWorkers pool, WorkerSettings workers,
             CronSettings settings, @Nullable SchemaMigrator schema) {
        this.store = store;
        this.runner = runner;
        this.rescuer = rescuer;
        this.workers = workers;
        this.settings = settings;
        this.workerId = pool.workerId() + "/cron";
        this.schema = schema;
    }

    public Duration maxBudget() {
        return settings.budget();
    }

    public Result run(Duration budget) throws InterruptedException {
        long started = System.nanoTime();
        // A caller's X-Ballast-Deadline-Ms shortens the tick, never lengthens it.
        Deadline tick = Deadline.after(budget).min(Deadline.current().orElse(null));
        long deadline = tick.expiresAtNanos();
        if (schema != null && !schema.migrated()) {
            throw new Unavailable("the job store is not migrated yet: " + schema.lastFailure(), null);
        }
        int rescued;
        try {
            rescued = unit(tick, () -> rescuer.rescue().available());
        } catch (DbUnavailableException e) {
            throw new Unavailable("the job store is unreachable", e);
        }
        Semaphore slots = new Semaphore(settings.concurrency());
        Semaphore finished = new Semaphore(0);
        AtomicInteger running = new AtomicInteger();
        Counts counts = new Counts();
        List<CompletableFuture<Boolean>> writes = new CopyOnWriteArrayList<>();
        JobRunner.Listener listener = (job, outcome, written) -> {
            counts.count(outcome);
            writes.add(written.whenComplete((ok, e) -> {
                if (outcome != null && !Boolean.TRUE.equals(ok)) {
                    counts.fenced.incrementAndGet();
                }
            }));
            running.decrementAndGet();
            // A slot comes back once the outcome is written: claims never run ahead of the outcome writer.
            written.whenComplete((ok, e) -> slots.release());
            finished.release();
        };
        String stoppedBy;
        while (true) {
            long remaining = deadline - System.nanoTime();
            if (remaining <= 0 || !slots.tryAcquire(remaining, TimeUnit.NANOSECONDS)) {
                stoppedBy = "budget";
                break;
            }
            int free = 1 + slots.drainPermits();
            List<ClaimedJob> jobs;
            try {
                jobs = unit(tick, () -> store.claim(free, workers.lease(), workerId));
            } catch (DbUnavailableException e) {
                slots.release(free);
                if (deadline - System.nanoTime() <= 0) {
                    // The claim was cut by the end of the tick, not by the database.
                    stoppedBy = "budget";
                    break;
                }
                stoppedBy = "db_unavailable";
                LOG.warn("cron tick stops early: the job store became unreachable ({})", e.reason());
                break;
            }
            slots.release(free - jobs.size());
            if (jobs.isEmpty()) {
                if (running.get() == 0) {
                    stoppedBy = "drained";
                    break;
                }
                // Something still runs; look again once it is done (a retry may have become due).
                finished.drainPermits();
                finished.tryAcquire(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                continue;
            }
            counts.claimed.addAndGet(jobs.size());
            for (ClaimedJob job : jobs) {
                running.incrementAndGet();
                runner.start(job, listener);
            }
        }
        // Wait for jobs already started and for their outcomes to be written, within the budget; after the database
        // stopped the tick, for one unit timeout at most (the writes wait for the same database).
        long drainUntil = stoppedBy.equals("db_unavailable")
                ? Math.min(deadline, System.nanoTime() + settings.unitTimeout().toNanos()) : deadline;
        while (running.get() > 0 && drainUntil - System.nanoTime() > 0) {
            finished.tryAcquire(Math.min(100_000_000L, Math.max(0, drainUntil - System.nanoTime())), TimeUnit.NANOSECONDS);
        }
        for (CompletableFuture<Boolean> w : writes) {
            try {
                w.get(Math.max(0, drainUntil - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (Exception e) {
                // Not written (yet): the lease brings the job back, the fence keeps it from counting twice.
            }
        }
        long elapsed = (System.nanoTime() - started) / 1_000_000;
        Result result = new Result(counts.claimed.get(), counts.succeeded.get(), counts.retried.get(), counts.dead.get(),
                counts.timedOut.get(), counts.snoozed.get(), counts.fenced.get(), counts.abandoned.get(), rescued,
                budget.toMillis(), elapsed, stoppedBy);
        LOG.info("cron tick {}", result);
        return result;
    }

    /** One database unit of the tick, under the smaller of the unit timeout and what is left of the tick. */
    private <T> T unit(Deadline tick, Supplier<T> work) {
        try (PropagatedContext.Scope ignored = Deadline.after(settings.unitTimeout()).min(tick).propagate()) {
            return work.get();
        }
    }

    private static final class Counts {
        final AtomicInteger claimed = new AtomicInteger();
        final AtomicInteger succeeded = new AtomicInteger();
        final AtomicInteger retried = new AtomicInteger();
        final AtomicInteger dead = new AtomicInteger();
        final AtomicInteger timedOut = new AtomicInteger();
        final AtomicInteger snoozed = new AtomicInteger();
        final AtomicInteger fenced = new AtomicInteger();
        final AtomicInteger abandoned = new AtomicInteger();

        void count(@Nullable AttemptOutcome o) {
            if (o == null) {
                abandoned.incrementAndGet();
                return;
            }
            switch (o.outcome()) {
                case SUCCEEDED -> succeeded.incrementAndGet();
                case SNOOZED -> snoozed.incrementAndGet();
                case TIMEOUT -> timedOut.incrementAndGet();
                case RETRY, DEAD, CANCELLED, ABANDONED -> { }
            }
            switch (o.status()) {
                case DEAD -> dead.incrementAndGet();
                case AVAILABLE -> {
                    if (!o.snoozed()) {
                        retried.incrementAndGet();
                    }
                }
                case RUNNING, SUCCEEDED, CANCELLED -> { }
            }
        }
    }
}
