package dev.ballast.resilience.http;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.ballast.resilience.http.WireMockSupport.count;
import static dev.ballast.resilience.http.WireMockSupport.counter;
import static dev.ballast.resilience.http.WireMockSupport.received;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The caller's remaining budget travels with the request: each try's timeout is min(configured, remaining), the
 * outgoing request carries what is left, and no retry starts once the budget is spent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeadlinePropagationTest {

    private WireMockServer wireMock;
    private EmbeddedServer server;
    private ProviderClient client;
    private MeterRegistry meters;

    @BeforeAll
    void start() {
        wireMock = WireMockSupport.startWireMock();
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
            "micronaut.server.port", -1,
            "test.relay.enabled", true,
            "micronaut.http.services.provider.url", wireMock.baseUrl(),
            "ballast.clients.provider.attempts", 3,
            "ballast.clients.provider.base", "5ms",
            "ballast.clients.provider.timeout", "5s",
            "ballast.clients.provider.breaker.enabled", false));
        client = server.getApplicationContext().getBean(ProviderClient.class);
        meters = server.getApplicationContext().getBean(MeterRegistry.class);
        wireMock.stubFor(get("/items/warm-up").willReturn(aResponse().withStatus(200).withBody("warm")));
        client.item("warm-up");
    }

    @AfterAll
    void stop() {
        server.getApplicationContext().close();
        wireMock.stop();
    }

    @BeforeEach
    void reset() {
        wireMock.resetAll();
        meters.clear();
        wireMock.stubFor(get("/items/slow").willReturn(aResponse().withStatus(200).withBody("late").withFixedDelay(2_000)));
        wireMock.stubFor(get("/items/fast").willReturn(aResponse().withStatus(200).withBody("fast")));
    }

    private long deadlineHeaderOf(String path) {
        LoggedRequest request = received(wireMock, getRequestedFor(urlEqualTo(path))).getFirst();
        return Long.parseLong(request.getHeader(Deadline.HEADER));
    }

    @Test
    void anInboundBudgetBoundsTheOutboundTryAndForbidsTheRetry() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + "/relay/blocking/slow"))
                .header(Deadline.HEADER, "500")
                .build(),
            HttpResponse.BodyHandlers.ofString());

        assertThat(answer.body()).isEqualTo("aborted:TIMEOUT");
        assertThat(deadlineHeaderOf("/items/slow")).as("what is left of the caller's 500 ms").isBetween(1L, 500L);
        // a GET that timed out would be retried, but the caller's budget is spent
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/slow")))).isEqualTo(1);
        assertThat(counter(meters, ClientCallMetrics.GIVEUPS, "client", "provider", "reason", "deadline")).isEqualTo(1);
    }

    @Test
    void withoutAnInboundBudgetEachTryGetsTheConfiguredTimeout() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + "/relay/blocking/fast")).build(),
            HttpResponse.BodyHandlers.ofString());

        assertThat(answer.body()).isEqualTo("ok:fast");
        assertThat(deadlineHeaderOf("/items/fast")).isBetween(4_000L, 5_000L);
    }

    @Test
    void aDeadlineSetByTheCallerBoundsItsCalls() {
        Throwable failure;
        try (PropagatedContext.Scope ignored = Deadline.after(Duration.ofMillis(300)).propagate()) {
            failure = catchThrowable(() -> client.item("slow"));
        }

        assertThat(AbortClassifier.classify(failure)).isEqualTo(AbortClass.TIMEOUT);
        assertThat(deadlineHeaderOf("/items/slow")).isBetween(1L, 300L);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/slow")))).isEqualTo(1);
    }

    @Test
    void anExpiredInboundBudgetSendsNothing() throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://localhost:" + server.getPort() + "/relay/blocking/fast"))
                .header(Deadline.HEADER, "0")
                .build(),
            HttpResponse.BodyHandlers.ofString());

        assertThat(answer.body()).isEqualTo("aborted:TIMEOUT");
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/fast")))).isZero();
    }
}
