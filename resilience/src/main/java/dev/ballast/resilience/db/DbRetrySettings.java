package dev.ballast.resilience.db;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The knobs of {@link DbRetry} ({@code ballast.db.retry.*}).
 *
 * @param maxRetries       retries after the first attempt of a unit of work
 * @param base             the ceiling of the first backoff delay (full jitter: the delay is uniform below it)
 * @param cap              the ceiling no backoff delay exceeds
 * @param circuitThreshold consecutive transient unit failures after which an invocation's circuit opens
 */
@ConfigurationProperties("ballast.db.retry")
public record DbRetrySettings(
        @Bindable(defaultValue = "3") int maxRetries,
        @Bindable(defaultValue = "200ms") Duration base,
        @Bindable(defaultValue = "5s") Duration cap,
        @Bindable(defaultValue = "3") int circuitThreshold) {

    public DbRetrySettings {
        // Fail at start-up, naming the knobs, rather than at the first retry.
        try {
            new DbRetry.Policy(maxRetries, base, cap);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("ballast.db.retry: " + e.getMessage(), e);
        }
        if (circuitThreshold < 1) {
            throw new IllegalArgumentException("ballast.db.retry.circuit-threshold must be >= 1, got " + circuitThreshold);
        }
    }

    public DbRetry.Policy policy() {
        return new DbRetry.Policy(maxRetries, base, cap);
    }
}
