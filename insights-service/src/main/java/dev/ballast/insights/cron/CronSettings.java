package dev.ballast.insights.cron;

import dev.ballast.resilience.db.DbRetry;
import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Knobs shared by the insights cron ticks ({@code ballast.insights.cron.*}).
 *
 * @param token          bearer token of {@code POST /cron/**}; unset, the cron endpoints answer 503
 * @param budget         how long one tick may work (the default of {@code ?budget=} and its cap); below the CronJob's
 *                       deadline
 * @param unitTimeout    the longest one database unit of a tick may take, however much budget is left: a database that
 *                       hangs is found out in seconds
 * @param dbMaxRetries   retries of a tick's database unit after a transient failure
 * @param dbRetryBase    the ceiling of the first backoff delay of those retries
 * @param dbRetryCap     the ceiling no backoff delay exceeds
 */
@ConfigurationProperties("ballast.insights.cron")
public record CronSettings(
        @Nullable String token,
        @Bindable(defaultValue = "50s") Duration budget,
        @Bindable(defaultValue = "5s") Duration unitTimeout,
        @Bindable(defaultValue = "2") int dbMaxRetries,
        @Bindable(defaultValue = "1s") Duration dbRetryBase,
        @Bindable(defaultValue = "5s") Duration dbRetryCap) {

    public CronSettings {
        if (budget.isNegative() || budget.isZero() || unitTimeout.isNegative() || unitTimeout.isZero()) {
            throw new ConfigurationException("ballast.insights.cron.budget and unit-timeout must be > 0");
        }
        try {
            new DbRetry.Policy(dbMaxRetries, dbRetryBase, dbRetryCap);
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException("ballast.insights.cron.db-*: " + e.getMessage(), e);
        }
    }

    public DbRetry.Policy dbPolicy() {
        return new DbRetry.Policy(dbMaxRetries, dbRetryBase, dbRetryCap);
    }
}
