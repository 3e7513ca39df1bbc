package dev.ballast.webhook.deliverylog;

import dev.ballast.resilience.db.DbRetry;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;

/**
 * Deletes delivery-log rows older than the retention, in small batches. Safe on every replica at once (rows
 * being deleted elsewhere are skipped); a failed run is simply tried again at the next interval.
 */
@Singleton
public final class DeliveryLogPruner {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLogPruner.class);
    private final DeliveryRepository deliveries;
    private final DeliveryLogSettings settings;
    private final Clock clock;

    DeliveryLogPruner(DeliveryRepository deliveries, DeliveryLogSettings settings, Clock clock) {
        this.deliveries = deliveries;
        this.settings = settings;
        this.clock = clock;
    }

    @Scheduled(fixedDelay = "${ballast.webhook.delivery-log.prune-interval:1h}",
            initialDelay = "${ballast.webhook.delivery-log.prune-initial-delay:5m}")
    void scheduled() {
        try {
            prune();
        } catch (RuntimeException e) {
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("delivery log pruning failed, next attempt at the next interval: {}", e.getClass().getSimpleName());
        }
    }

    /** Deletes everything past the retention; returns how many rows went. */
    public long prune() {
        Instant cutoff = clock.instant().minus(settings.retention());
        long total = 0;
        int deleted;
        do {
            deleted = deliveries.deleteOlderThan(cutoff, settings.pruneBatchSize());
            total += deleted;
        } while (deleted == settings.pruneBatchSize());
        if (total > 0) {
            LOG.info("delivery log pruned rows={} older_than={}", total, cutoff);
        }
        return total;
    }
}
