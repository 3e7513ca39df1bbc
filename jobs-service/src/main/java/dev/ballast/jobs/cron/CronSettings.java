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
 * @param unitTimeout the longest one database unit of a tick (rescue, claim) may take, however much budget is left:
 *                    a tick whose first unit gets no answer within it answers 503 db_unreachable, one whose later
 *                    claim gets none stops early ({@code stoppedBy=db_unavailable})
 */
@ConfigurationProperties("ballast.jobs.cron")
public record CronSettings(
        @Nullable String token,
        @Bindable(defaultValue = "50s") Duration budget,
        @Bindable(defaultValue = "8") int concurrency,
        @Bindable(defaultValue = "5s") Duration unitTimeout) {

    public CronSettings {
        if (budget.isNegative() || budget.isZero() || concurrency < 1) {
            throw new ConfigurationException("ballast.jobs.cron.budget must be > 0 and concurrency >= 1");
        }
        if (unitTimeout.isNegative() || unitTimeout.isZero()) {
            throw new ConfigurationException("ballast.jobs.cron.unit-timeout must be > 0");
        }
    }
}
