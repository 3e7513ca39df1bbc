package dev.ballast.insights.cron;

import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.DbRetrySettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.time.Duration;

/** Starts ticks: the cron's own DB retry policy (fewer, slower retries than an API request's) and a fresh circuit each. */
@Singleton
public final class TickRuns {

    private final CronSettings settings;
    private final DbRetry cronRetry;

    TickRuns(CronSettings settings, DbRetrySettings retrySettings, @Nullable MeterRegistry meters) {
        this.settings = settings;
        this.cronRetry = new DbRetry(settings.dbPolicy(), retrySettings.circuitThreshold(),
                meters == null ? new CompositeMeterRegistry() : meters);
    }

    public TickRun start(String name, Duration budget) {
        return new TickRun(budget, settings.unitTimeout(), cronRetry, name);
    }

    /** The tick budget: {@code asked} (from {@code ?budget=}) capped by the configured one, which is the default. */
    public Duration budget(@Nullable Duration asked) {
        Duration max = settings.budget();
        return asked == null || asked.compareTo(max) > 0 ? max : asked;
    }
}
