package dev.ballast.resilience.http;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.ballast.resilience.http.WireMockSupport.count;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** Closing the application context ends in-flight calls as {@code SHUTDOWN}, and they are not retried. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ShutdownTest {

    private static final Duration AWAIT = Duration.ofSeconds(10);

    private WireMockServer wireMock;

    @BeforeAll
    void startWireMock() {
        wireMock = WireMockSupport.startWireMock();
    }

    @AfterAll
    void stopWireMock() {
        wireMock.stop();
    }

    @BeforeEach
    void reset() {
        wireMock.resetAll();
    }

    private ApplicationContext startContext() {
        return ApplicationContext.run(Map.of(
            "micronaut.http.services.provider.url", wireMock.baseUrl(),
            "ballast.clients.provider.attempts", 3,
            "ballast.clients.provider.base", "5ms",
            "ballast.clients.provider.cap", "60s",
            "ballast.clients.provider.timeout", "10s",
            "ballast.clients.provider.breaker.enabled", false));
    }

    @Test
    void aCallInFlightWhenTheContextClosesIsShutdownNotRetried() throws InterruptedException {
        wireMock.stubFor(get("/items/slow").willReturn(aResponse().withStatus(200).withBody("late").withFixedDelay(5_000)));
        ApplicationContext context = startContext();
        ProviderClient client = context.getBean(ProviderClient.class);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread caller = Thread.ofPlatform().start(() -> failure.set(catchThrowable(() -> client.item("slow"))));
        await().atMost(AWAIT).until(() -> count(wireMock, getRequestedFor(urlEqualTo("/items/slow"))) == 1);

        context.close();
        caller.join(AWAIT.toMillis());

        assertThat(caller.isAlive()).isFalse();
        assertThat(AbortClassifier.classify(failure.get())).isEqualTo(AbortClass.SHUTDOWN);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/slow")))).isEqualTo(1);
    }

    @Test
    void aRetryWaitingOutItsDelayWhenTheContextClosesEndsAsShutdown() throws Exception {
        wireMock.stubFor(get("/items/busy").willReturn(aResponse().withStatus(503).withHeader("Retry-After", "30")));
        ApplicationContext context = startContext();
        ProviderClient client = context.getBean(ProviderClient.class);
        CompletableFuture<String> call = client.itemAsync("busy");
        await().atMost(AWAIT).until(() -> count(wireMock, getRequestedFor(urlEqualTo("/items/busy"))) == 1);

        context.close();

        Throwable failure = catchThrowable(() -> call.get(AWAIT.toSeconds(), TimeUnit.SECONDS));
        assertThat(failure).isInstanceOf(ExecutionException.class);
        assertThat(((CallAbortedException) failure.getCause()).abortClass()).isEqualTo(AbortClass.SHUTDOWN);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/busy")))).isEqualTo(1);
    }

    @Test
    void callsStartedWhileStoppingAreRefused() {
        wireMock.stubFor(get("/items/late").willReturn(aResponse().withStatus(200).withBody("late")));
        ApplicationContext context = startContext();
        ProviderClient client = context.getBean(ProviderClient.class);
        context.getBean(ClientPolicies.class).onApplicationEvent(new io.micronaut.context.event.ShutdownEvent(context));

        Throwable failure = catchThrowable(() -> client.item("late"));

        assertThat(AbortClassifier.classify(failure)).isEqualTo(AbortClass.SHUTDOWN);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/late")))).isZero();
        context.close();
    }
}
