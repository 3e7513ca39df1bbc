package dev.ballast.integrations.health;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Integration health and alerts ({@code ballast.integrations.health.*}).
 *
 * @param degradedAfter    consecutive transient failures that make an integration DEGRADED
 * @param alertsEnabled    whether a disconnect posts a Slack alert (at most one per workspace, provider and UTC day)
 * @param checkConcurrency health checks in flight at once during a cron tick
 * @param checkBudget      time budget of one cron tick; checks not started by then wait for the next tick
 * @param checkLimit       integrations checked per tick, least recently checked first
 */
@ConfigurationProperties("ballast.integrations.health")
public record HealthSettings(
        @Bindable(defaultValue = "3") int degradedAfter,
        @Bindable(defaultValue = "true") boolean alertsEnabled,
        @Bindable(defaultValue = "4") int checkConcurrency,
        @Bindable(defaultValue = "25s") Duration checkBudget,
        @Bindable(defaultValue = "200") int checkLimit) {

    public HealthSettings {
        if (degradedAfter < 1 || checkConcurrency < 1 || checkLimit < 1) {
            throw new IllegalArgumentException(
                    "ballast.integrations.health: degraded-after, check-concurrency and check-limit must be at least 1");
        }
    }
}
