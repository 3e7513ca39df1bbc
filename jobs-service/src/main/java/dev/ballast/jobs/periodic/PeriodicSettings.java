package dev.ballast.jobs.periodic;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * {@code ballast.jobs.periodic.*}; the tick interval itself ({@code interval}, {@code initial-delay}) is read by the
 * scheduler.
 *
 * @param enabled      whether scheduled ticks enqueue anything
 * @param activeWithin a workspace counts as active when it had a non-periodic job created this recently
 */
@ConfigurationProperties("ballast.jobs.periodic")
public record PeriodicSettings(@Bindable(defaultValue = "true") boolean enabled,
                               @Bindable(defaultValue = "7d") Duration activeWithin) {
}
