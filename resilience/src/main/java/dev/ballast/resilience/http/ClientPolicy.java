package dev.ballast.resilience.http;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The failure policy of one declarative client, bound from {@code ballast.clients.<client-id>.*}. A client whose
 * id has no entry here is left alone.
 *
 * @param id                the {@code @Client(id = ...)} it applies to
 * @param enabled           {@code false} turns the policy off without deleting it
 * @param attempts          total tries per call, the first included
 * @param base              ceiling of the first backoff delay (full jitter)
 * @param cap               ceiling of every backoff delay and of an honoured {@code Retry-After}
 * @param timeout           per-try timeout; unset means {@code micronaut.http.services.<id>.read-timeout}, else 10 s
 * @param deadline          overall budget of one call, retries and waits included; a propagated {@link Deadline}
 *                          that is sooner wins
 * @param propagateDeadline whether to send {@value Deadline#HEADER} (to our own services; turn off for providers)
 * @param budget            the retry budget
 * @param breaker           the per-(workspace, provider) circuit breaker
 */
@EachProperty("ballast.clients")
public record ClientPolicy(
    @Parameter String id,
    @Bindable(defaultValue = "true") boolean enabled,
    @Bindable(defaultValue = "3") int attempts,
    @Bindable(defaultValue = "200ms") Duration base,
    @Bindable(defaultValue = "10s") Duration cap,
    @Nullable Duration timeout,
    @Bindable(defaultValue = "60s") Duration deadline,
    @Bindable(defaultValue = "true") boolean propagateDeadline,
    @Nullable Budget budget,
    @Nullable Breaker breaker
) {

    public ClientPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("ballast.clients." + id + ".attempts must be at least 1");
        }
        if (base.isNegative() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("ballast.clients." + id + " needs 0 <= base <= cap");
        }
        // the nested groups are optional in configuration
        budget = budget == null ? Budget.DEFAULT : budget;
        breaker = breaker == null ? Breaker.DEFAULT : breaker;
    }

    /**
     * Retries allowed per client: at most {@code ratio} of the calls in the sliding {@code window}, plus
     * {@code min-retries} per window.
     */
    @ConfigurationProperties("budget")
    public record Budget(
        @Bindable(defaultValue = "0.2") double ratio,
        @Bindable(defaultValue = "10") int minRetries,
        @Bindable(defaultValue = "10s") Duration window
    ) {
        static final Budget DEFAULT = new Budget(0.2, 10, Duration.ofSeconds(10));
    }

    /**
     * Resilience4j circuit breaker settings, one breaker per (workspace, provider).
     *
     * @param enabled                  {@code false} skips the breaker for this client
     * @param provider                 the provider half of the key; defaults to the client id
     * @param failureRateThreshold     percentage of failed tries in the window that opens the breaker
     * @param slidingWindowSize        tries in the count-based window
     * @param minimumNumberOfCalls     tries before the failure rate counts
     * @param waitDurationInOpenState  how long it fails fast before letting one probe through
     */
    @ConfigurationProperties("breaker")
    public record Breaker(
        @Bindable(defaultValue = "true") boolean enabled,
        @Nullable String provider,
        @Bindable(defaultValue = "50") float failureRateThreshold,
        @Bindable(defaultValue = "20") int slidingWindowSize,
        @Bindable(defaultValue = "10") int minimumNumberOfCalls,
        @Bindable(defaultValue = "30s") Duration waitDurationInOpenState
    ) {
        static final Breaker DEFAULT = new Breaker(true, null, 50, 20, 10, Duration.ofSeconds(30));
    }
}
