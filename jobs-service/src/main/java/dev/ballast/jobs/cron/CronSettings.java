package dev.ballast.jobs.cron;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Cron tick knobs ({@code ballast.jobs.cron.*}).
 *
 * @param token       bearer token of {@code POST /cron/**}; unset, the cron endpoints answer 503
 * @param budget      how long one tick may keep claiming jobs (also the cap of {@code ?budget=})
 * @param concurrency jobs one tick runs at once
 */
@ConfigurationProperties("ballast.jobs.cron")
public record CronSettings(
        @Nullable String token,
        @Bindable(defaultValue = "50s") Duration budget,
        @Bindable(defaultValue = "8") int concurrency) {

    public CronSettings {
        if (budget.isNegative() || budget.isZero() || concurrency < 1) {
            throw new ConfigurationException("ballast.jobs.cron.budget must be > 0 and concurrency >= 1");
        }
    }
}
