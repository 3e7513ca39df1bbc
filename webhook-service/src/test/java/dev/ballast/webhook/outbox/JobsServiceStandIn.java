package dev.ballast.webhook.outbox;

import dev.ballast.jobs.api.JobsOperations;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/** WireMock standing in for jobs-service's {@code POST /jobs} until jobs-service exists. */
final class JobsServiceStandIn implements AutoCloseable {

    static final String TOKEN = "test-jobs-token";

    private final int port;
    private volatile WireMockServer server;

    JobsServiceStandIn() {
        server = new WireMockServer(options().dynamicPort().containerThreads(64));
        server.start();
        port = server.port();
        accepting();
    }

    /** Gone: connections are refused until {@link #restart()}. */
    void stop() {
        server.stop();
    }

    /** Back on the same port, accepting, with an empty request log. */
    void restart() {
        WireMockServer again = new WireMockServer(options().port(port).containerThreads(64));
        again.start();
        server = again;
        accepting();
    }

    String url() {
        return "http://localhost:" + port;
    }

    /** A service whose relay sends to this stand-in every 100 ms with short client backoffs; add to it freely. */
    Map<String, Object> fastRelay() {
        return new HashMap<>(Map.of(
                "micronaut.http.services.jobs.url", url(),
                "ballast.clients.jobs.base", "10ms",
                "ballast.clients.jobs.cap", "50ms",
                "ballast.clients.jobs.deadline", "5s",
                "ballast.clients.jobs.breaker.wait-duration-in-open-state", "300ms",
                "ballast.webhook.outbox.relay.enabled", "true",
                "ballast.webhook.outbox.relay.interval", "100ms",
                "ballast.webhook.outbox.relay.initial-delay", "0s",
                "ballast.webhook.outbox.relay.lease", "30s"));
    }

    WireMockServer server() {
        return server;
    }

    /** Every enqueue is created (201), after {@code delayMillis}. */
    void accepting(int delayMillis) {
        server.resetMappings();
        server.stubFor(post(urlEqualTo("/jobs")).willReturn(aResponse().withStatus(201).withFixedDelay(delayMillis)
                .withHeader("Content-Type", "application/json").withBody("{\"jobId\":\"j-1\",\"status\":\"created\"}")));
    }

    void accepting() {
        accepting(0);
    }

    /** Down: every enqueue answered 503 without Retry-After. */
    void unavailable() {
        server.resetMappings();
        server.stubFor(post(urlEqualTo("/jobs")).willReturn(aResponse().withStatus(503)));
    }

    List<LoggedRequest> posts() {
        return server.findAll(postRequestedFor(urlEqualTo("/jobs")));
    }

    /** POSTs per Idempotency-Key, keeping only those whose key is in {@code keys}. */
    Map<String, Long> postsPerKey(List<String> keys) {
        return posts().stream().map(r -> r.getHeader(JobsOperations.IDEMPOTENCY_KEY)).filter(keys::contains)
                .collect(Collectors.groupingBy(k -> k, Collectors.counting()));
    }

    /** Requests answered 2xx per Idempotency-Key, keeping only those whose key is in {@code keys}. */
    Map<String, Long> acceptedPerKey(List<String> keys) {
        return server.getAllServeEvents().stream()
                .filter(e -> e.getResponse().getStatus() / 100 == 2)
                .map(ServeEvent::getRequest)
                .map(r -> r.getHeader(JobsOperations.IDEMPOTENCY_KEY)).filter(keys::contains)
                .collect(Collectors.groupingBy(k -> k, Collectors.counting()));
    }

    @Override
    public void close() {
        server.stop();
    }
}
