package dev.ballast.resilience.http;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.ballast.resilience.http.WireMockSupport.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** Circuit breakers keyed by (provider, workspace): one workspace's outage never fails another's calls fast. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KeyedBreakersTest {

    private static final Duration WAIT_IN_OPEN = Duration.ofMillis(500);

    private WireMockServer wireMock;
    private ApplicationContext context;
    private CrmClient client;
    private KeyedBreakers breakers;

    @BeforeAll
    void start() {
        wireMock = WireMockSupport.startWireMock();
        context = ApplicationContext.run(Map.of(
            "micronaut.http.services.crm.url", wireMock.baseUrl(),
            // one try per call, so every call is one breaker outcome
            "ballast.clients.crm.attempts", 1,
            "ballast.clients.crm.breaker.provider", "unipile",
            "ballast.clients.crm.breaker.sliding-window-size", 4,
            "ballast.clients.crm.breaker.minimum-number-of-calls", 4,
            "ballast.clients.crm.breaker.failure-rate-threshold", 50,
            "ballast.clients.crm.breaker.wait-duration-in-open-state", WAIT_IN_OPEN.toMillis() + "ms"));
        client = context.getBean(CrmClient.class);
        breakers = context.getBean(KeyedBreakers.class);
    }

    @AfterAll
    void stop() {
        context.close();
        wireMock.stop();
    }

    @BeforeEach
    void reset() {
        wireMock.resetAll();
    }

    private static <T> T as(String workspace, Supplier<T> call) {
        try (PropagatedContext.Scope ignored = WorkspaceScope.of(workspace).propagate()) {
            return call.get();
        }
    }

    @Test
    void workspaceAFailuresNeverFailFastWorkspaceB() {
        wireMock.stubFor(get("/accounts/a").willReturn(aResponse().withStatus(503)));
        wireMock.stubFor(get("/accounts/b").willReturn(aResponse().withStatus(200).withBody("b")));

        for (int i = 0; i < 4; i++) {
            assertThat(catchThrowable(() -> as("ws-A", () -> client.account("a")))).isInstanceOf(HttpClientResponseException.class);
        }
        assertThat(catchThrowable(() -> as("ws-A", () -> client.account("a"))))
            .as("A's breaker is open: fail fast").isInstanceOf(CallNotPermittedException.class);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/accounts/a")))).isEqualTo(4);

        assertThat(as("ws-B", () -> client.account("b"))).isEqualTo("b");
        // even against the very endpoint that is failing for A, B's calls still go out
        assertThat(catchThrowable(() -> as("ws-B", () -> client.account("a")))).isInstanceOf(HttpClientResponseException.class);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/accounts/a")))).isEqualTo(5);

        assertThat(breakers.registry().circuitBreaker("unipile/ws-A").getState()).isEqualTo(CircuitBreaker.State.OPEN);
        assertThat(breakers.registry().circuitBreaker("unipile/ws-B").getState()).isEqualTo(CircuitBreaker.State.CLOSED);
        MeterRegistry meters = context.getBean(MeterRegistry.class);
        assertThat(meters.get("resilience4j.circuitbreaker.state").tags("name", "unipile/ws-A", "state", "open").gauge().value()).isEqualTo(1);
        assertThat(meters.get("resilience4j.circuitbreaker.state").tags("name", "unipile/ws-B", "state", "closed").gauge().value()).isEqualTo(1);
    }

    @Test
    void callsOutsideAnyWorkspaceShareOneBreakerPerProvider() {
        wireMock.stubFor(get("/accounts/health").willReturn(aResponse().withStatus(200).withBody("ok")));

        assertThat(client.account("health")).isEqualTo("ok");
        assertThat(breakers.registry().getAllCircuitBreakers().stream().map(CircuitBreaker::getName))
            .contains("unipile/" + WorkspaceScope.NONE);
    }

    @Test
    void aHalfOpenBreakerLetsExactlyOneProbeThrough() throws Exception {
        wireMock.stubFor(get("/accounts/c").willReturn(aResponse().withStatus(500)));
        AtomicReference<Instant> openedAt = new AtomicReference<>();
        CircuitBreaker breaker = breakers.breaker("unipile", "ws-C", context.getBean(ClientPolicy.class, io.micronaut.inject.qualifiers.Qualifiers.byName("crm")).breaker());
        breaker.getEventPublisher().onStateTransition(e -> {
            if (e.getStateTransition().getToState() == CircuitBreaker.State.OPEN) {
                openedAt.set(e.getCreationTime().toInstant());
            }
        });
        for (int i = 0; i < 4; i++) {
            catchThrowable(() -> as("ws-C", () -> client.account("c")));
        }
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

        // the provider recovers, slowly enough that the probe is still in flight while the others arrive
        wireMock.stubFor(get("/accounts/c").willReturn(aResponse().withStatus(200).withBody("c").withFixedDelay(1_000)));
        await().atMost(Duration.ofSeconds(5)).until(() -> Instant.now().isAfter(openedAt.get().plus(WAIT_IN_OPEN)));

        List<CompletableFuture<String>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(as("ws-C", () -> client.accountAsync("c")));
        }
        int probes = 0;
        int rejected = 0;
        for (CompletableFuture<String> call : calls) {
            try {
                assertThat(call.get()).isEqualTo("c");
                probes++;
            } catch (ExecutionException e) {
                assertThat(e.getCause()).isInstanceOf(CallNotPermittedException.class);
                rejected++;
            }
        }
        assertThat(probes).isEqualTo(1);
        assertThat(rejected).isEqualTo(4);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/accounts/c")))).isEqualTo(4 + 1);
        assertThat(breaker.getState()).as("the probe succeeded").isEqualTo(CircuitBreaker.State.CLOSED);
        assertThat(as("ws-C", () -> client.account("c"))).isEqualTo("c");
    }
}
