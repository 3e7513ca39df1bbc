package dev.ballast.webhook.outbox;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * WireMock standing in for jobs-service's {@code POST /jobs/bulk?partial=true} (what the relay calls), for the tests
 * that need to script answers jobs-service would not give on demand: outages, slowness. It answers each item in
 * order, created, or {@code refused} for the keys passed to {@link #refuse}; it keeps no jobs.
 */
final class JobsServiceStandIn implements AutoCloseable {

    static final String TOKEN = "test-jobs-token";
    static final String BULK = "/jobs/bulk";
    private static final JsonMapper JSON = JsonMapper.createDefault();

    private final int port;
    private final Set<String> refused = ConcurrentHashMap.newKeySet();
    private volatile WireMockServer server;

    JobsServiceStandIn() {
        server = newServer(0);
        port = server.port();
        accepting();
    }

    private WireMockServer newServer(int onPort) {
        WireMockServer s = new WireMockServer((onPort == 0 ? options().dynamicPort() : options().port(onPort))
                .containerThreads(64).extensions(new BulkReceipts(refused)));
        s.start();
        return s;
    }

    /** Gone: connections are refused until {@link #restart()}. */
    void stop() {
        server.stop();
    }

    /** Back on the same port, accepting, with an empty request log. */
    void restart() {
        server = newServer(port);
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

    /** Every item is created (200, one receipt per item), after {@code delayMillis}; no key is refused. */
    void accepting(int delayMillis) {
        refused.clear();
        server.resetMappings();
        server.stubFor(post(urlPathEqualTo(BULK)).willReturn(aResponse().withStatus(200).withFixedDelay(delayMillis)
                .withHeader("Content-Type", "application/json").withTransformers(BulkReceipts.NAME)));
    }

    void accepting() {
        accepting(0);
    }

    /** From now on the item with this dedupe key is answered {@code refused}, as jobs-service answers an invalid job. */
    void refuse(String dedupeKey) {
        refused.add(dedupeKey);
    }

    /** Every call refused as a whole with {@code status}, no item named. */
    void answering(int status) {
        server.resetMappings();
        server.stubFor(post(urlPathEqualTo(BULK)).willReturn(aResponse().withStatus(status)
                .withHeader("Content-Type", "application/problem+json").withBody("{\"status\":" + status + "}")));
    }

    /** Down: every call answered 503 without Retry-After. */
    void unavailable() {
        server.resetMappings();
        server.stubFor(post(urlPathEqualTo(BULK)).willReturn(aResponse().withStatus(503)));
    }

    List<LoggedRequest> posts() {
        return server.findAll(postRequestedFor(urlPathEqualTo(BULK)));
    }

    /** The call that carried the job with this dedupe key first, and that job. */
    Map.Entry<LoggedRequest, JsonNode> sent(String key) {
        for (LoggedRequest r : posts()) {
            for (JsonNode item : items(r.getBodyAsString())) {
                if (item.get("dedupeKey") != null && key.equals(item.get("dedupeKey").getStringValue())) {
                    return Map.entry(r, item);
                }
            }
        }
        throw new AssertionError("no job with dedupe key " + key + " was sent");
    }

    /** Jobs sent per dedupe key (in any call), keeping only those whose key is in {@code keys}. */
    Map<String, Long> postsPerKey(List<String> keys) {
        return posts().stream().flatMap(r -> keysOf(r.getBodyAsString()).stream()).filter(keys::contains)
                .collect(Collectors.groupingBy(k -> k, Collectors.counting()));
    }

    /** Jobs answered created per dedupe key (calls answered 2xx, items not refused), among {@code keys}. */
    Map<String, Long> acceptedPerKey(List<String> keys) {
        List<String> accepted = new ArrayList<>();
        for (ServeEvent e : server.getAllServeEvents()) {
            if (e.getResponse().getStatus() / 100 != 2 || !e.getRequest().getUrl().startsWith(BULK)) {
                continue;
            }
            List<String> sent = keysOf(e.getRequest().getBodyAsString());
            List<JsonNode> answers = items(e.getResponse().getBodyAsString());
            for (int i = 0; i < sent.size(); i++) {
                if (!"refused".equals(answers.get(i).get("status").getStringValue())) {
                    accepted.add(sent.get(i));
                }
            }
        }
        return accepted.stream().filter(keys::contains).collect(Collectors.groupingBy(k -> k, Collectors.counting()));
    }

    private static List<String> keysOf(String body) {
        return items(body).stream().map(i -> i.get("dedupeKey") == null ? "" : i.get("dedupeKey").getStringValue())
                .toList();
    }

    private static List<JsonNode> items(String body) {
        try {
            JsonNode array = JSON.readValue(body, JsonNode.class);
            List<JsonNode> out = new ArrayList<>(array.size());
            for (int i = 0; i < array.size(); i++) {
                out.add(array.get(i));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("not a JSON array: " + body, e);
        }
    }

    @Override
    public void close() {
        server.stop();
    }

    /** Answers a bulk call item by item, as jobs-service's partial bulk enqueue does. */
    private static final class BulkReceipts implements ResponseDefinitionTransformerV2 {

        static final String NAME = "bulk-receipts";
        private static final AtomicLong IDS = new AtomicLong();
        private final Set<String> refused;

        BulkReceipts(Set<String> refused) {
            this.refused = refused;
        }

        @Override
        public ResponseDefinition transform(ServeEvent event) {
            StringBuilder body = new StringBuilder("[");
            List<String> keys = keysOf(event.getRequest().getBodyAsString());
            for (int i = 0; i < keys.size(); i++) {
                body.append(i == 0 ? "" : ",");
                if (refused.contains(keys.get(i))) {
                    body.append("{\"status\":\"refused\",\"created\":false,\"detail\":\"unknown job type\",\"pointer\":\"/")
                            .append(i).append("/type\"}");
                } else {
                    body.append("{\"jobId\":\"").append(IDS.incrementAndGet())
                            .append("\",\"status\":\"available\",\"created\":true}");
                }
            }
            return ResponseDefinitionBuilder.like(event.getResponseDefinition()).but()
                    .withBody(body.append("]").toString()).build();
        }

        @Override
        public boolean applyGlobally() {
            return false;
        }

        @Override
        public String getName() {
            return NAME;
        }
    }
}
