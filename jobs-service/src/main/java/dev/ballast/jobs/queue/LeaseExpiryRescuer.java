package dev.ballast.jobs.queue;

import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.SchemaMigrator;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands back the jobs of workers that stopped heartbeating (crashed, killed, partitioned): a running job whose lease
 * ran out becomes available at once, its attempt recorded {@code abandoned}, or dead when that was its last attempt
 * (a job that keeps killing its worker must not loop forever). Runs on every replica, including cron-only ones;
 * SKIP LOCKED keeps replicas from treading on each other. The old worker's late outcome is then fenced off.
 */
@Singleton
public final class LeaseExpiryRescuer {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseExpiryRescuer.class);
    private static final int BATCH = 1000;

    private final JobStore store;
    private final JobWorkers workers;
    private final JobMetrics metrics;
    private final @Nullable SchemaMigrator schema;

    LeaseExpiryRescuer(JobStore store, JobWorkers workers, JobMetrics metrics, @Nullable SchemaMigrator schema) {
        this.store = store;
        this.workers = workers;
        this.metrics = metrics;
        this.schema = schema;
    }

    // The first pass one interval after start, like the others: a test that turns the interval up has no stray pass.
    @Scheduled(fixedDelay = "${ballast.jobs.workers.rescue-interval:5s}",
            initialDelay = "${ballast.jobs.workers.rescue-interval:5s}")
    void scheduled() {
        if (schema != null && !schema.migrated()) {
            return;
        }
        try {
            rescue();
        } catch (RuntimeException e) {
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("lease rescue failed, next attempt at the next interval: {}", e.getClass().getSimpleName());
        }
    }

    /** Rescues every expired lease; returns how many jobs it handed back (or buried). */
    public JobStore.Rescued rescue() {
        int available = 0;
        int dead = 0;
        JobStore.Rescued r;
        do {
            r = store.rescueExpired(BATCH);
            available += r.available();
            dead += r.dead();
        } while (r.total() == BATCH);
        if (available + dead > 0) {
            metrics.rescued(available, dead);
            LOG.info("expired leases rescued: available_again={} dead={}", available, dead);
            if (available > 0) {
                workers.wake();
            }
        }
        return new JobStore.Rescued(available, dead);
    }
}
