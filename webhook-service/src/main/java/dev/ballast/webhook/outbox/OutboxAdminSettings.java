package dev.ballast.webhook.outbox;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Outbox admin API knobs ({@code ballast.webhook.outbox.admin.*}).
 *
 * @param defaultPageSize parked rows per page when the request names no limit
 * @param maxPageSize     the largest limit a request may ask for
 */
@ConfigurationProperties("ballast.webhook.outbox.admin")
public record OutboxAdminSettings(
        @Bindable(defaultValue = "50") int defaultPageSize,
        @Bindable(defaultValue = "500") int maxPageSize) {

    public OutboxAdminSettings {
        if (defaultPageSize < 1 || maxPageSize < defaultPageSize) {
            throw new IllegalArgumentException(
                    "ballast.webhook.outbox.admin needs 1 <= default-page-size <= max-page-size");
        }
    }
}
