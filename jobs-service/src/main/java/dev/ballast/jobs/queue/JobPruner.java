package dev.ballast.jobs.queue;

import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.SchemaMigrator;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes finished jobs (succeeded, dead, cancelled) older than the retention, in batches so that no statement
 * holds many locks; their attempts (and periodic-run keys) go with them by cascade. Safe on every replica at once.
 */
@Singleton
public final class JobPruner {

    private static final Logger LOG = LoggerFactory.getLogger(JobPruner.class);

    private final JobStore store;
    private final QueueSettings settings;
    private final JobMetrics metrics;
    private final @Nullable SchemaMigrator schema;

    JobPruner(JobStore store, QueueSettings settings, JobMetrics metrics, @Nullable SchemaMigrator schema) {
        this.store = store;
        this.settings = settings;
        this.metrics = metrics;
        this.schema = schema;
    }

    @Scheduled(fixedDelay = "${ballast.jobs.prune-interval:1h}", initialDelay = "${ballast.jobs.prune-initial-delay:5m}")
    void scheduled() {
        if (schema != null && !schema.migrated()) {
            return;
        }
        try {
            prune();
        } catch (RuntimeException e) {
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("job pruning failed, next attempt at the next interval: {}", e.getClass().getSimpleName());
        }
    }

    /** Deletes everything past the retention; returns how many jobs went. */
    public long prune() {
        long total = 0;
        long cursor = 0;
        JobStore.PruneStep step;
        do {
            step = store.prune(cursor, settings.retention(), settings.pruneBatchSize());
            total += step.deleted();
            cursor = step.lastId();
        } while (step.more(settings.pruneBatchSize()));
        if (total > 0) {
            metrics.pruned(total);
            LOG.info("finished jobs pruned rows={} retention={}", total, settings.retention());
        }
        return total;
    }
}
