package dev.ballast.resilience.http;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.ballast.resilience.http.WireMockSupport.count;
import static dev.ballast.resilience.http.WireMockSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A caller that goes away is not retried and is classified {@code CALLER_CANCELLED}, never {@code TIMEOUT}: the
 * provider is slow, the GET would be retried on a timeout, yet exactly one request reaches it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallerCancellationTest {

    private static final Duration AWAIT = Duration.ofSeconds(10);

    private WireMockServer wireMock;
    private ApplicationContext context;
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
        context = server.getApplicationContext();
        client = context.getBean(ProviderClient.class);
        meters = context.getBean(MeterRegistry.class);
        wireMock.stubFor(get("/items/warm-up").willReturn(aResponse().withStatus(200).withBody("warm")));
        client.item("warm-up");
    }

    @AfterAll
    void stop() {
        context.close();
        wireMock.stop();
    }

    @BeforeEach
    void reset() {
        wireMock.resetAll();
        meters.clear();
        wireMock.stubFor(get("/items/slow").willReturn(aResponse().withStatus(200).withBody("late").withFixedDelay(3_000)));
    }

    private void awaitTheProviderHasTheRequest() {
        await().atMost(AWAIT).until(() -> count(wireMock, getRequestedFor(urlEqualTo("/items/slow"))) == 1);
    }

    private void assertCancelledOnceNotTimedOutNotRetried() {
        await().atMost(AWAIT).until(() -> counter(meters, ClientCallMetrics.GIVEUPS, "client", "provider", "reason", "caller_cancelled") == 1);
        assertThat(counter(meters, ClientCallMetrics.ATTEMPTS, "client", "provider", "abort", "caller_cancelled")).isEqualTo(1);
        assertThat(counter(meters, ClientCallMetrics.ATTEMPTS, "client", "provider", "abort", "timeout")).isZero();
        assertThat(counter(meters, ClientCallMetrics.RETRIES, "client", "provider")).isZero();
        // the call has ended for good, so no later retry can add to this
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/slow")))).isEqualTo(1);
    }

    @Test
    void aCancelledFutureEndsTheCallWithoutRetry() {
        CompletableFuture<String> call = client.itemAsync("slow");
        awaitTheProviderHasTheRequest();

        call.cancel(true);

        assertCancelledOnceNotTimedOutNotRetried();
    }

    @Test
    void aDisposedSubscriptionEndsTheCallWithoutRetry() {
        Disposable subscription = Mono.from(client.itemPublisher("slow")).subscribe();
        awaitTheProviderHasTheRequest();

        subscription.dispose();

        assertCancelledOnceNotTimedOutNotRetried();
    }

    @Test
    void anInterruptedBlockingCallerIsCallerCancelledAndKeepsItsInterrupt() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread caller = Thread.ofPlatform().start(() -> {
            try {
                client.item("slow");
            } catch (RuntimeException e) {
                failure.set(e);
                stillInterrupted.set(Thread.currentThread().isInterrupted());
            }
        });
        awaitTheProviderHasTheRequest();

        caller.interrupt();
        caller.join(AWAIT.toMillis());

        assertThat(failure.get()).isInstanceOf(CallAbortedException.class);
        assertThat(((CallAbortedException) failure.get()).abortClass()).isEqualTo(AbortClass.CALLER_CANCELLED);
        assertThat(AbortClassifier.classify(failure.get())).isEqualTo(AbortClass.CALLER_CANCELLED);
        assertThat(stillInterrupted).isTrue();
        assertCancelledOnceNotTimedOutNotRetried();
    }

    @ParameterizedTest(name = "{0} endpoint")
    @ValueSource(strings = {"reactive", "blocking"})
    void whenTheInboundRequestGoesAwayItsOutboundCallIsCallerCancelled(String endpoint) throws Exception {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("GET /relay/" + endpoint + "/slow HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitTheProviderHasTheRequest();
        }
        // the socket is closed: the request that needed the provider call is gone

        assertCancelledOnceNotTimedOutNotRetried();
    }
}
