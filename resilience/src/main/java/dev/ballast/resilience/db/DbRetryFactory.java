package dev.ballast.resilience.db;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micronaut.context.annotation.Factory;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

/** The application's {@link DbRetry}, configured from {@code ballast.db.retry.*}. */
@Factory
final class DbRetryFactory {

    @Singleton
    DbRetry dbRetry(DbRetrySettings settings, @Nullable MeterRegistry meters) {
        // Without a registry (metrics disabled) an empty composite swallows the counts.
        return new DbRetry(settings.policy(), settings.circuitThreshold(),
                meters == null ? new CompositeMeterRegistry() : meters);
    }
}
