package dev.ballast.resilience.http;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static dev.ballast.resilience.http.WireMockSupport.count;
import static dev.ballast.resilience.http.WireMockSupport.counter;
import static dev.ballast.resilience.http.WireMockSupport.received;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Real faults through a real declarative client: WireMock on a dynamic port, the client pointed at it with
 * {@code micronaut.http.services.provider.url}, the policy coming only from {@code ballast.clients.provider.*}.
 * Counts are what WireMock received.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpClientPolicyTest {

    private WireMockServer wireMock;
    private ApplicationContext context;
    private ProviderClient client;
    private MeterRegistry meters;

    @BeforeAll
    void start() {
        wireMock = WireMockSupport.startWireMock();
        context = ApplicationContext.run(Map.ofEntries(
            Map.entry("micronaut.http.services.provider.url", wireMock.baseUrl()),
            // no ballast timeout: each try inherits the service's read timeout
            Map.entry("micronaut.http.services.provider.read-timeout", "500ms"),
            Map.entry("ballast.clients.provider.attempts", 3),
            Map.entry("ballast.clients.provider.base", "5ms"),
            Map.entry("ballast.clients.provider.cap", "2500ms"),
            Map.entry("ballast.clients.provider.budget.min-retries", 1000),
            Map.entry("ballast.clients.provider.breaker.enabled", false),
            Map.entry("micronaut.http.services.capped.url", wireMock.baseUrl()),
            Map.entry("ballast.clients.capped.base", "10ms"),
            Map.entry("ballast.clients.capped.cap", "50ms"),
            Map.entry("ballast.clients.capped.breaker.enabled", false),
            Map.entry("micronaut.http.services.offline.url", "http://127.0.0.1:" + unusedPort()),
            Map.entry("ballast.clients.offline.base", "5ms"),
            Map.entry("ballast.clients.offline.breaker.enabled", false),
            Map.entry("test.stamper.enabled", true)));
        client = context.getBean(ProviderClient.class);
        meters = context.getBean(MeterRegistry.class);
        wireMock.stubFor(get("/items/warm-up").willReturn(aResponse().withStatus(200).withBody("warm")));
        // the first call of a JVM pays for class loading and set-up (over a second here): make it through the
        // "capped" client, whose tries have the default 10 s, before the 500 ms tries of "provider" start
        assertThat(context.getBean(CappedClient.class).item("warm-up")).isEqualTo("warm");
        assertThat(client.item("warm-up")).isEqualTo("warm");
    }

    private static int unusedPort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
    }

    @Test
    void aGetIsRetriedUpToTheAttemptLimitOnA500() {
        wireMock.stubFor(get("/items/1").willReturn(aResponse().withStatus(500)));

        Throwable failure = catchThrowable(() -> client.item("1"));

        assertThat(failure).isInstanceOf(HttpClientResponseException.class);
        assertThat(((HttpClientResponseException) failure).code()).isEqualTo(500);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/1")))).isEqualTo(3);
        assertThat(counter(meters, ClientCallMetrics.RETRIES, "client", "provider", "outcome", "5xx")).isEqualTo(2);
        assertThat(counter(meters, ClientCallMetrics.GIVEUPS, "client", "provider", "reason", "attempts_exhausted")).isEqualTo(1);
        assertThat(counter(meters, ClientCallMetrics.CALLS, "client", "provider", "outcome", "5xx")).isEqualTo(1);
    }

    @Test
    void aGetIsRetriedUntilItSucceeds() {
        wireMock.stubFor(get("/items/2").inScenario("flaky").whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        wireMock.stubFor(get("/items/2").inScenario("flaky").whenScenarioStateIs("up")
            .willReturn(aResponse().withStatus(200).withBody("two")));

        assertThat(client.item("2")).isEqualTo("two");
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/2")))).isEqualTo(2);
        assertThat(counter(meters, ClientCallMetrics.CALLS, "client", "provider", "outcome", "2xx")).isEqualTo(1);
    }

    @Test
    void aPostWithoutKeyIsNotRetriedOnA500() {
        wireMock.stubFor(post("/items").willReturn(aResponse().withStatus(500)));

        Throwable failure = catchThrowable(() -> client.create(Map.of("name", "x")));

        assertThat(failure).isInstanceOf(HttpClientResponseException.class);
        assertThat(count(wireMock, postRequestedFor(urlEqualTo("/items")))).isEqualTo(1);
        assertThat(counter(meters, ClientCallMetrics.GIVEUPS, "client", "provider", "reason", "not_retryable")).isEqualTo(1);
    }

    @Test
    void aPostWithAnIdempotencyKeyIsRetriedLikeAGet() {
        wireMock.stubFor(post("/items").willReturn(aResponse().withStatus(502)));

        catchThrowable(() -> client.createWithKey("job-42", Map.of("name", "x")));

        assertThat(count(wireMock, postRequestedFor(urlEqualTo("/items")))).isEqualTo(3);
        assertThat(received(wireMock, postRequestedFor(urlEqualTo("/items"))))
            .allSatisfy(r -> assertThat(r.getHeader("Idempotency-Key")).isEqualTo("job-42"));
    }

    @Test
    void aPostDeclaredSideEffectFreeIsRetriedLikeAGet() {
        wireMock.stubFor(post("/search").willReturn(aResponse().withStatus(504)));

        catchThrowable(() -> client.search(Map.of("q", "x")));

        assertThat(count(wireMock, postRequestedFor(urlEqualTo("/search")))).isEqualTo(3);
    }

    @Test
    void aPostWithoutKeyThatTimedOutWasSentOnce() {
        wireMock.stubFor(post("/items").willReturn(aResponse().withStatus(200).withBody("late").withFixedDelay(1_500)));

        Throwable failure = catchThrowable(() -> client.create(Map.of("name", "x")));

        assertThat(AbortClassifier.classify(failure)).isEqualTo(AbortClass.TIMEOUT);
        assertThat(count(wireMock, postRequestedFor(urlEqualTo("/items")))).isEqualTo(1);
        assertThat(counter(meters, ClientCallMetrics.GIVEUPS, "client", "provider", "reason", "not_retryable", "abort", "timeout")).isEqualTo(1);
    }

    @Test
    void aGetThatTimesOutIsRetriedUpToTheLimit() {
        wireMock.stubFor(get("/items/3").willReturn(aResponse().withStatus(200).withFixedDelay(1_500)));

        Throwable failure = catchThrowable(() -> client.item("3"));

        assertThat(AbortClassifier.classify(failure)).isEqualTo(AbortClass.TIMEOUT);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/3")))).isEqualTo(3);
        assertThat(counter(meters, ClientCallMetrics.ATTEMPTS, "client", "provider", "abort", "timeout")).isEqualTo(3);
    }

    @Test
    void aConnectionResetIsRetriedForAGetButNotForAnUnkeyedPost() {
        wireMock.stubFor(get("/items/4").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        wireMock.stubFor(post("/items").willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));

        Throwable getFailure = catchThrowable(() -> client.item("4"));
        Throwable postFailure = catchThrowable(() -> client.create(Map.of("name", "x")));

        assertThat(AbortClassifier.classify(getFailure)).isEqualTo(AbortClass.CONNECTION_RESET);
        assertThat(AbortClassifier.classify(postFailure)).isEqualTo(AbortClass.CONNECTION_RESET);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/4")))).isEqualTo(3);
        assertThat(count(wireMock, postRequestedFor(urlEqualTo("/items")))).isEqualTo(1);
    }

    @Test
    void aConnectionClosedWithoutResponseIsAResetToo() {
        wireMock.stubFor(get("/items/5").willReturn(aResponse().withFault(Fault.EMPTY_RESPONSE)));

        Throwable failure = catchThrowable(() -> client.item("5"));

        assertThat(AbortClassifier.classify(failure)).isEqualTo(AbortClass.CONNECTION_RESET);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/5")))).isEqualTo(3);
    }

    @Test
    void a429WithRetryAfterSecondsWaitsAtLeastThatLong() {
        wireMock.stubFor(get("/items/6").inScenario("throttled").whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2")).willSetStateTo("open"));
        wireMock.stubFor(get("/items/6").inScenario("throttled").whenScenarioStateIs("open")
            .willReturn(aResponse().withStatus(200).withBody("six")));

        assertThat(client.item("6")).isEqualTo("six");

        List<LoggedRequest> requests = received(wireMock, getRequestedFor(urlEqualTo("/items/6")));
        assertThat(requests).hasSize(2);
        long waitedMillis = requests.get(1).getLoggedDate().getTime() - requests.get(0).getLoggedDate().getTime();
        assertThat(waitedMillis).isGreaterThanOrEqualTo(2_000);
    }

    @Test
    void a429WithAnHttpDateWaitsUntilThatDate() {
        Instant retryAt = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
        String httpDate = DateTimeFormatter.RFC_1123_DATE_TIME.format(retryAt.atOffset(ZoneOffset.UTC));
        wireMock.stubFor(get("/items/7").inScenario("throttled-date").whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(429).withHeader("Retry-After", httpDate)).willSetStateTo("open"));
        wireMock.stubFor(get("/items/7").inScenario("throttled-date").whenScenarioStateIs("open")
            .willReturn(aResponse().withStatus(200).withBody("seven")));

        assertThat(client.item("7")).isEqualTo("seven");

        List<LoggedRequest> requests = received(wireMock, getRequestedFor(urlEqualTo("/items/7")));
        assertThat(requests).hasSize(2);
        assertThat(requests.get(1).getLoggedDate().toInstant()).isAfterOrEqualTo(retryAt);
    }

    @Test
    void a503WithRetryAfterIsRetriedEvenForAnUnkeyedPost() {
        wireMock.stubFor(post("/items").inScenario("busy").whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "0")).willSetStateTo("free"));
        wireMock.stubFor(post("/items").inScenario("busy").whenScenarioStateIs("free")
            .willReturn(aResponse().withStatus(201).withBody("created")));

        assertThat(client.create(Map.of("name", "x"))).isEqualTo("created");
        assertThat(count(wireMock, postRequestedFor(urlEqualTo("/items")))).isEqualTo(2);
    }

    @Test
    void aRetryAfterBeyondTheCapIsCappedNotObeyed() {
        wireMock.stubFor(get("/items/8").inScenario("long-wait").whenScenarioStateIs(STARTED)
            .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "86400")).willSetStateTo("back"));
        wireMock.stubFor(get("/items/8").inScenario("long-wait").whenScenarioStateIs("back")
            .willReturn(aResponse().withStatus(200).withBody("eight")));

        // a day-long wait would blow the 60 s deadline and give up; capped at 50 ms it succeeds
        assertThat(context.getBean(CappedClient.class).item("8")).isEqualTo("eight");
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/8")))).isEqualTo(2);
    }

    @Test
    void otherClientErrorsAreNotRetried() {
        wireMock.stubFor(get("/items/9").willReturn(aResponse().withStatus(409)));
        wireMock.stubFor(post("/search").willReturn(aResponse().withStatus(422)));

        catchThrowable(() -> client.item("9"));
        catchThrowable(() -> client.search(Map.of("q", "x")));

        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/9")))).isEqualTo(1);
        assertThat(count(wireMock, postRequestedFor(urlEqualTo("/search")))).isEqualTo(1);
    }

    @Test
    void aNotFoundIsAnAnswerNotAFailure() {
        wireMock.stubFor(get("/items/10").willReturn(aResponse().withStatus(404)));

        assertThat(client.item("10")).isNull();
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/10")))).isEqualTo(1);
    }

    @Test
    void asyncAndReactiveMethodsFollowTheSameMatrix() throws Exception {
        wireMock.stubFor(get("/items/11").willReturn(aResponse().withStatus(500)));

        Throwable futureFailure = catchThrowable(() -> client.itemAsync("11").get());
        Throwable publisherFailure = catchThrowable(() -> reactor.core.publisher.Mono.from(client.itemPublisher("11")).block(Duration.ofSeconds(10)));

        assertThat(futureFailure).hasCauseInstanceOf(HttpClientResponseException.class);
        assertThat(publisherFailure).isInstanceOf(HttpClientResponseException.class);
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/11")))).isEqualTo(6);
    }

    @Test
    void everyTryCarriesItsRemainingBudget() {
        wireMock.stubFor(get("/items/12").willReturn(aResponse().withStatus(200).withBody("twelve")));

        client.item("12");

        LoggedRequest request = received(wireMock, getRequestedFor(urlEqualTo("/items/12"))).getFirst();
        assertThat(Long.parseLong(request.getHeader(Deadline.HEADER))).isBetween(1L, 500L);
    }

    @Test
    void failuresStayHttpClientExceptionsForCallers() {
        wireMock.stubFor(post("/items").willReturn(aResponse().withStatus(200).withFixedDelay(1_500)));

        assertThat(catchThrowable(() -> client.create(Map.of("name", "x")))).isInstanceOf(HttpClientException.class);
    }

    @Test
    void aRefusedConnectionIsRetriedEvenForAnUnkeyedPostSinceNothingWasSent() {
        OfflineClient offline = context.getBean(OfflineClient.class);

        Throwable getFailure = catchThrowable(() -> offline.item("1"));
        Throwable postFailure = catchThrowable(() -> offline.create(Map.of("name", "x")));

        assertThat(AbortClassifier.classify(getFailure)).isEqualTo(AbortClass.CONNECT_FAILED);
        assertThat(AbortClassifier.classify(postFailure)).isEqualTo(AbortClass.CONNECT_FAILED);
        assertThat(counter(meters, ClientCallMetrics.ATTEMPTS, "client", "offline", "abort", "connect_failed")).isEqualTo(6);
        assertThat(counter(meters, ClientCallMetrics.GIVEUPS, "client", "offline", "reason", "attempts_exhausted")).isEqualTo(2);
    }

    @Test
    void anIdempotencyKeyAddedByAnotherClientFilterCounts() {
        wireMock.stubFor(post("/stamped").willReturn(aResponse().withStatus(500)));

        catchThrowable(() -> client.createStamped(Map.of("name", "x")));

        assertThat(count(wireMock, postRequestedFor(urlEqualTo("/stamped")))).isEqualTo(3);
        assertThat(received(wireMock, postRequestedFor(urlEqualTo("/stamped"))))
            .allSatisfy(r -> assertThat(r.getHeader("Idempotency-Key")).isEqualTo("stamped-1"));
    }

    @Test
    void clientsWithoutAPolicyAreLeftAlone() {
        wireMock.stubFor(get("/items/13").willReturn(aResponse().withStatus(500)));
        try (ApplicationContext bare = ApplicationContext.run(Map.of("micronaut.http.services.provider.url", wireMock.baseUrl()))) {
            catchThrowable(() -> bare.getBean(ProviderClient.class).item("13"));
        }
        assertThat(count(wireMock, getRequestedFor(urlEqualTo("/items/13")))).isEqualTo(1);
        assertThat(received(wireMock, getRequestedFor(urlEqualTo("/items/13"))).getFirst().containsHeader(Deadline.HEADER)).isFalse();
    }
}
