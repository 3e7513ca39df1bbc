package dev.ballast.webhook.outbox;

import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.JdbcRunner;
import dev.ballast.resilience.db.SchemaMigrator;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.postgresql.PGStatement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes outbox rows delivered longer ago than the retention; a row not delivered yet, or parked, is never
 * deleted. Safe on every replica at once (rows another replica is deleting are skipped); a failed run is simply
 * tried again at the next interval.
 *
 * <p>Without an index on {@code delivered_at}: each statement walks the primary key from where the previous one
 * stopped, examines at most {@code prune-batch-size} rows and deletes those among them delivered before the cutoff.
 * The walk ends at the first batch created entirely after the cutoff, since a row is delivered after it is
 * created. A run therefore reads about what it deletes, plus the old rows that stay (parked, or delivered late),
 * plus one batch; the intake insert pays for no extra index. (Ids follow creation order to within one intake
 * transaction; a row delivered in those few seconds before the cutoff is left for the next run.)
 */
@Singleton
public final class OutboxPruner {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxPruner.class);

    private static final String PRUNE_BATCH = """
            WITH cutoff AS (SELECT now() - make_interval(secs => ?) AS at),
            scanned AS (
                SELECT id, created_at FROM webhook.outbox WHERE id > ? ORDER BY id LIMIT ?),
            doomed AS (
                SELECT o.id FROM webhook.outbox o
                WHERE o.id IN (SELECT id FROM scanned)
                  AND o.delivered_at < (SELECT at FROM cutoff) AND o.parked_at IS NULL
                FOR UPDATE OF o SKIP LOCKED),
            gone AS (
                DELETE FROM webhook.outbox o USING doomed WHERE o.id = doomed.id RETURNING o.id)
            SELECT (SELECT max(id) FROM scanned),
                   (SELECT min(created_at) FROM scanned) >= (SELECT at FROM cutoff),
                   (SELECT count(*) FROM gone)""";

    /** One statement's result: where the walk stands, whether it has passed the cutoff, and what went. */
    record Batch(long lastId, boolean pastCutoff, int deleted) {
    }

    /** What one run did. */
    public record Run(long deleted, int batches) {
    }

    private final JdbcRunner jdbc;
    private final OutboxRetentionSettings settings;
    private final @Nullable SchemaMigrator schema;
    private final Counter pruned;

    OutboxPruner(JdbcRunner jdbc, OutboxRetentionSettings settings, MeterRegistry meters,
                 @Nullable SchemaMigrator schema) {
        this.jdbc = jdbc;
        this.settings = settings;
        this.schema = schema;
        this.pruned = Counter.builder("ballast.outbox.pruned")
                .description("delivered outbox rows deleted after the retention").register(meters);
    }

    @Scheduled(fixedDelay = "${ballast.webhook.outbox.prune-interval:1h}",
            initialDelay = "${ballast.webhook.outbox.prune-initial-delay:5m}")
    void scheduled() {
        // before the schema is migrated every statement would fail; the migrator retries on its own
        if (schema != null && !schema.migrated()) {
            return;
        }
        try {
            prune();
        } catch (RuntimeException e) {
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("outbox pruning failed, next attempt at the next interval: {}", e.getClass().getSimpleName());
        }
    }

    /** Deletes every delivered row past the retention, batch by batch. */
    public Run prune() {
        long after = 0;
        long deleted = 0;
        int batches = 0;
        try {
            while (true) {
                Batch batch = batch(after);
                if (batch == null) {
                    break;
                }
                batches++;
                deleted += batch.deleted();
                pruned.increment(batch.deleted());
                if (batch.pastCutoff()) {
                    break;
                }
                after = batch.lastId();
            }
        } finally {
            if (deleted > 0) {
                LOG.info("outbox pruned rows={} batches={} retention={}", deleted, batches, settings.retention());
            }
        }
        return new Run(deleted, batches);
    }

    /** One bounded statement from {@code after} on; null when no row lies beyond it. */
    private @Nullable Batch batch(long after) {
        // Rerunning it after a lost connection deletes nothing twice; only the count of a lost attempt is missed.
        return jdbc.query("outbox-prune", PRUNE_BATCH, st -> {
            // planned with this batch's values every time, never with a generic plan cached while the table was small
            st.unwrap(PGStatement.class).setPrepareThreshold(0);
            st.setDouble(1, settings.retention().toMillis() / 1000.0);
            st.setLong(2, after);
            st.setInt(3, settings.pruneBatchSize());
        }, rs -> {
            rs.next();
            long lastId = rs.getLong(1);
            return rs.wasNull() ? null : new Batch(lastId, rs.getBoolean(2), rs.getInt(3));
        });
    }
}
