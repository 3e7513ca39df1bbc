package dev.ballast.webhook.outbox;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Outbox retention knobs ({@code ballast.webhook.outbox.*}). The prune interval itself is read by the scheduler
 * from {@code ballast.webhook.outbox.prune-interval}.
 *
 * @param retention      delivered rows are deleted once delivered longer ago than this; undelivered and parked
 *                       rows are never deleted
 * @param pruneBatchSize rows examined (so at most deleted) per statement, so that no statement holds many locks
 */
@ConfigurationProperties("ballast.webhook.outbox")
public record OutboxRetentionSettings(
        @Bindable(defaultValue = "7d") Duration retention,
        @Bindable(defaultValue = "1000") int pruneBatchSize) {

    public OutboxRetentionSettings {
        if (!retention.isPositive()) {
            throw new IllegalArgumentException("ballast.webhook.outbox.retention must be positive");
        }
        if (pruneBatchSize < 1) {
            throw new IllegalArgumentException("ballast.webhook.outbox.prune-batch-size must be at least 1");
        }
    }
}
