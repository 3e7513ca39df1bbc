package dev.ballast.resilience.http;

import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import static dev.ballast.resilience.http.WireMockSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A call whose caller went away, or whose service is stopping, is abandoned on the wire: the provider, which never
 * answers, sees the connection closed long before the per-try timeout (a minute here) could have ended it, and no
 * second request follows. A client that only reported the abort but left the request running fails here.
 */
class AbandonedCallTest {

    /** Far below the per-try timeout: only a real cancellation closes the connection this soon. */
    private static final Duration CLOSED_WITHIN = Duration.ofSeconds(5);

    private SilentServer provider;
    private EmbeddedServer server;
    private ApplicationContext context;
    private ProviderClient client;
    private MeterRegistry meters;

    @BeforeEach
    void start() throws Exception {
        provider = new SilentServer();
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
            "micronaut.server.port", -1,
            "test.relay.enabled", true,
            "micronaut.http.services.provider.url", provider.url(),
            "micronaut.http.services.provider.read-timeout", "120s",
            "ballast.clients.provider.attempts", 3,
            "ballast.clients.provider.base", "5ms",
            "ballast.clients.provider.timeout", "60s",
            "ballast.clients.provider.deadline", "120s",
            "ballast.clients.provider.breaker.enabled", false));
        context = server.getApplicationContext();
        client = context.getBean(ProviderClient.class);
        meters = context.getBean(MeterRegistry.class);
    }

    @AfterEach
    void stop() throws Exception {
        if (context.isRunning()) {
            context.close();
        }
        provider.close();
    }

    private void awaitTheProviderHasTheRequest() {
        await().atMost(CLOSED_WITHIN).until(() -> provider.requests() == 1);
    }

    private void assertAbandonedOnceAs(String reason) {
        await().atMost(CLOSED_WITHIN).until(() -> provider.closedByClient() == 1);
        assertThat(provider.requests()).isEqualTo(1);
        if (context.isRunning()) {
            assertThat(counter(meters, ClientCallMetrics.GIVEUPS, "client", "provider", "reason", reason)).isEqualTo(1);
            assertThat(counter(meters, ClientCallMetrics.RETRIES, "client", "provider")).isZero();
        }
    }

    @Test
    void aCancelledFutureClosesTheConnection() {
        CompletableFuture<String> call = client.itemAsync("slow");
        awaitTheProviderHasTheRequest();

        call.cancel(true);

        assertAbandonedOnceAs("caller_cancelled");
    }

    @Test
    void aDisposedSubscriptionClosesTheConnection() {
        Disposable subscription = Mono.from(client.itemPublisher("slow")).subscribe();
        awaitTheProviderHasTheRequest();

        subscription.dispose();

        assertAbandonedOnceAs("caller_cancelled");
    }

    @Test
    void anInterruptedBlockingCallerClosesTheConnection() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> failure.set(catchThrowable(() -> client.item("slow"))));
        awaitTheProviderHasTheRequest();

        caller.interrupt();
        caller.join(CLOSED_WITHIN.toMillis());

        assertThat(AbortClassifier.classify(failure.get())).isEqualTo(AbortClass.CALLER_CANCELLED);
        assertAbandonedOnceAs("caller_cancelled");
    }

    @Test
    void anInboundRequestThatGoesAwayClosesItsOutboundConnection() throws Exception {
        try (Socket socket = new Socket(server.getHost(), server.getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /relay/blocking/slow HTTP/1.1\r\nHost: localhost\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            awaitTheProviderHasTheRequest();
        }

        assertAbandonedOnceAs("caller_cancelled");
    }

    @Test
    void aTryCutByItsTimeoutIsAbandonedBeforeTheRetryIsSent() {
        try (ApplicationContext quick = ApplicationContext.run(Map.of(
                "micronaut.http.services.provider.url", provider.url(),
                "micronaut.http.services.provider.read-timeout", "120s",
                "ballast.clients.provider.attempts", 2,
                "ballast.clients.provider.base", "5ms",
                "ballast.clients.provider.timeout", "300ms",
                "ballast.clients.provider.breaker.enabled", false))) {
            Throwable failure = catchThrowable(() -> quick.getBean(ProviderClient.class).item("slow"));

            assertThat(AbortClassifier.classify(failure)).isEqualTo(AbortClass.TIMEOUT);
            await().atMost(CLOSED_WITHIN).until(() -> provider.closedByClient() == 2);
            assertThat(provider.requests()).isEqualTo(2);
        }
    }

    @Test
    void stoppingTheServiceClosesTheConnectionsOfCallsInFlight() throws InterruptedException {
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> failure.set(catchThrowable(() -> client.item("slow"))));
        awaitTheProviderHasTheRequest();

        context.close();
        caller.join(CLOSED_WITHIN.toMillis());

        assertThat(caller.isAlive()).isFalse();
        assertThat(AbortClassifier.classify(failure.get())).isEqualTo(AbortClass.SHUTDOWN);
        assertAbandonedOnceAs("shutdown");
    }
}
