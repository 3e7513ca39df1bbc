package dev.ballast.webhook.deliverylog;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Delivery log knobs ({@code ballast.webhook.delivery-log.*}). The prune interval itself is read by the
 * scheduler from {@code ballast.webhook.delivery-log.prune-interval}.
 *
 * @param retention      rows older than this are pruned
 * @param pruneBatchSize rows deleted per statement, so that pruning never holds long locks
 */
@ConfigurationProperties("ballast.webhook.delivery-log")
public record DeliveryLogSettings(
        @Bindable(defaultValue = "30d") Duration retention,
        @Bindable(defaultValue = "5000") int pruneBatchSize) {
}
