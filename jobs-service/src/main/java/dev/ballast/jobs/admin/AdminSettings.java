package dev.ballast.jobs.admin;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Knobs of the admin job API ({@code ballast.jobs.admin.*}); the token itself is {@code ballast.jobs.admin-token}.
 *
 * @param defaultPageSize   page size of {@code GET /admin/jobs} when none is asked for
 * @param maxPageSize       largest page size a caller may ask for
 * @param retryAttempts     attempts a retried job gets on top of those it has used
 * @param statsEnabled      whether the queue gauges are refreshed at all
 * @param statsInterval     how often the gauges' one stats query runs (read by the scheduler)
 */
@ConfigurationProperties("ballast.jobs.admin")
public record AdminSettings(
        @Bindable(defaultValue = "50") int defaultPageSize,
        @Bindable(defaultValue = "500") int maxPageSize,
        @Bindable(defaultValue = "3") int retryAttempts,
        @Bindable(defaultValue = "true") boolean statsEnabled,
        @Bindable(defaultValue = "30s") Duration statsInterval) {

    public AdminSettings {
        if (defaultPageSize < 1 || maxPageSize < defaultPageSize) {
            throw new IllegalArgumentException("ballast.jobs.admin needs 1 <= default-page-size <= max-page-size");
        }
        if (retryAttempts < 1) {
            throw new IllegalArgumentException("ballast.jobs.admin.retry-attempts must be at least 1");
        }
    }
}
