package dev.ballast.resilience.http;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One Resilience4j circuit breaker per (provider, workspace), so a provider that is down for one workspace (revoked
 * token, suspended account) fails fast there and nowhere else. Breakers open on a failure rate, fail fast while
 * open and let exactly one probe through when half-open. Their state is exported by
 * {@link TaggedCircuitBreakerMetrics} as {@code resilience4j.circuitbreaker.*{name="<provider>/<workspace>"}}.
 */
@Singleton
public final class KeyedBreakers {

    private final CircuitBreakerRegistry registry = CircuitBreakerRegistry.ofDefaults();
    private final Map<ClientPolicy.Breaker, CircuitBreakerConfig> configs = new ConcurrentHashMap<>();

    public KeyedBreakers(@Nullable MeterRegistry meterRegistry) {
        if (meterRegistry != null) {
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(registry).bindTo(meterRegistry);
        }
    }

    /** The breaker for {@code provider} on behalf of {@code workspace}, created with {@code settings} on first use. */
    public CircuitBreaker breaker(String provider, String workspace, ClientPolicy.Breaker settings) {
        return registry.circuitBreaker(key(provider, workspace), () -> configs.computeIfAbsent(settings, KeyedBreakers::config));
    }

    public CircuitBreakerRegistry registry() {
        return registry;
    }

    public static String key(String provider, String workspace) {
        return provider + "/" + workspace;
    }

    private static CircuitBreakerConfig config(ClientPolicy.Breaker settings) {
        return CircuitBreakerConfig.custom()
            .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
            .slidingWindowSize(settings.slidingWindowSize())
            .minimumNumberOfCalls(settings.minimumNumberOfCalls())
            .failureRateThreshold(settings.failureRateThreshold())
            .waitDurationInOpenState(settings.waitDurationInOpenState())
            .permittedNumberOfCallsInHalfOpenState(1)
            .build();
    }
}
