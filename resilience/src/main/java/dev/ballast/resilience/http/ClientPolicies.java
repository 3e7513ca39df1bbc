package dev.ballast.resilience.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micronaut.context.BeanContext;
import io.micronaut.context.event.ApplicationEventListener;
import io.micronaut.context.event.ShutdownEvent;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.HttpClientConfiguration;
import io.micronaut.http.client.ServiceHttpClientConfiguration;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Named;
import jakarta.inject.Singleton;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The policies in force, one per client id that has {@code ballast.clients.<id>.*}, and the calls in flight
 * under them, so that a closing application context ends them as {@link AbortClass#SHUTDOWN} instead of letting
 * them be retried into a dying client.
 */
@Singleton
public final class ClientPolicies implements ApplicationEventListener<ShutdownEvent> {

    /** Micronaut's own default read timeout, used when neither the policy nor the service sets one. */
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(10);

    private final BeanContext beanContext;
    private final KeyedBreakers breakers;
    private final ClientCallMetrics metrics;
    private final ScheduledExecutorService scheduler;
    private final ScheduledThreadPoolExecutor timer;
    private final Clock clock = Clock.systemUTC();
    private final Map<String, Optional<ClientCallPolicy>> policies = new ConcurrentHashMap<>();
    private final Set<CallRun> inFlight = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    ClientPolicies(BeanContext beanContext,
                   KeyedBreakers breakers,
                   @Nullable MeterRegistry meterRegistry,
                   @Named(TaskExecutors.SCHEDULED) ExecutorService scheduler) {
        this.beanContext = beanContext;
        this.breakers = breakers;
        // without a registry (metrics disabled) counters go to an empty composite, which drops them
        this.metrics = new ClientCallMetrics(meterRegistry != null ? meterRegistry : new CompositeMeterRegistry());
        this.scheduler = (ScheduledExecutorService) scheduler;
        // per-try timeouts are set and cancelled on every call: a timer of our own drops cancelled ones at once
        // instead of leaving them in the shared scheduled pool until they would have fired
        this.timer = new ScheduledThreadPoolExecutor(1, Thread.ofPlatform().name("ballast-http-timeout").daemon().factory());
        this.timer.setRemoveOnCancelPolicy(true);
    }

    /** The policy of {@code clientId}, if it has an enabled one. */
    public Optional<ClientCallPolicy> forClient(String clientId) {
        return policies.computeIfAbsent(clientId, this::create);
    }

    public KeyedBreakers breakers() {
        return breakers;
    }

    @Override
    public void onApplicationEvent(ShutdownEvent event) {
        stopping = true;
        for (CallRun run : inFlight) {
            run.abort(AbortClass.SHUTDOWN);
        }
    }

    @PreDestroy
    void stopTimer() {
        timer.shutdownNow();
    }

    boolean stopping() {
        return stopping;
    }

    void track(CallRun run) {
        inFlight.add(run);
    }

    void untrack(CallRun run) {
        inFlight.remove(run);
    }

    ClientCallMetrics metrics() {
        return metrics;
    }

    /** Where retries wait out their delay (Micronaut's scheduled pool, as Micronaut Retry uses). */
    ScheduledExecutorService scheduler() {
        return scheduler;
    }

    /** Where per-try timeouts wait; the task only aborts the try, so one thread is plenty. */
    ScheduledExecutorService timer() {
        return timer;
    }

    private Optional<ClientCallPolicy> create(String clientId) {
        return beanContext.findBean(ClientPolicy.class, Qualifiers.byName(clientId))
            .filter(ClientPolicy::enabled)
            .map(settings -> new ClientCallPolicy(settings, timeoutOf(settings), clock, this));
    }

    /** {@code ballast.clients.<id>.timeout}, else {@code micronaut.http.services.<id>.read-timeout}, else 10 s. */
    private Duration timeoutOf(ClientPolicy settings) {
        if (settings.timeout() != null) {
            return settings.timeout();
        }
        return beanContext.findBean(ServiceHttpClientConfiguration.class, Qualifiers.byName(settings.id()))
            .flatMap(HttpClientConfiguration::getReadTimeout)
            .orElse(DEFAULT_TIMEOUT);
    }
}
