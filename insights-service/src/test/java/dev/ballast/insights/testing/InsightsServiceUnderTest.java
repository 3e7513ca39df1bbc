package dev.ballast.insights.testing;

import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;

import static org.awaitility.Awaitility.await;

/**
 * insights-service started for real on a test database reached through a fault proxy, calling WireMock stand-ins for
 * webhook-service and integrations-service; driven over HTTP, inspected with SQL and its own metrics.
 */
public final class InsightsServiceUnderTest implements AutoCloseable {

    public static final String CRON_TOKEN = "test-cron-token";
    public static final String SERVICE_TOKEN = "test-service-token";

    private final TestDatabase db;
    private final ApplicationContext context;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final JsonMapper json;

    private InsightsServiceUnderTest(TestDatabase db, ApplicationContext context) {
        this.db = db;
        this.context = context;
        this.base = context.getBean(EmbeddedServer.class).getURI();
        this.json = context.getBean(JsonMapper.class);
    }

    /** Test defaults: quick client retries, no client breakers (a test's failures must not trip one for the next). */
    public static InsightsServiceUnderTest start(TestDatabase db, FaultProxy proxy, StandIns standIns,
                                                 Map<String, Object> properties) {
        Map<String, Object> props = new HashMap<>(db.datasourceProperties(db.jdbcUrlThrough(proxy.port())));
        props.put("micronaut.server.port", -1);
        props.put("micronaut.http.services.webhook.url", standIns.webhookUrl());
        props.put("micronaut.http.services.integrations.url", standIns.integrationsUrl());
        for (String client : List.of("webhook", "integrations")) {
            props.put("ballast.clients." + client + ".attempts", "2");
            props.put("ballast.clients." + client + ".base", "10ms");
            props.put("ballast.clients." + client + ".cap", "20ms");
            props.put("ballast.clients." + client + ".breaker.enabled", "false");
        }
        props.put("ballast.insights.cron.token", CRON_TOKEN);
        props.put("ballast.insights.service-token", SERVICE_TOKEN);
        props.put("ballast.insights.cron.db-retry-base", "200ms");
        props.putAll(properties);
        ApplicationContext context = ApplicationContext.run(EmbeddedServer.class, props, "test").getApplicationContext();
        InsightsServiceUnderTest service = new InsightsServiceUnderTest(db, context);
        await().atMost(Duration.ofSeconds(30)).until(() -> service.get("/health/readiness").statusCode() == 200);
        return service;
    }

    public ApplicationContext context() {
        return context;
    }

    // ---- HTTP -------------------------------------------------------------------------------------------

    public HttpResponse<String> tick(String query) {
        return post("/cron/insights/context-packs" + query, "", "Authorization", "Bearer " + CRON_TOKEN);
    }

    public HttpResponse<String> bookedTick(String query) {
        return post("/cron/insights/booked-summaries" + query, "", "Authorization", "Bearer " + CRON_TOKEN);
    }

    public JsonNode bookedTickOk(String query) {
        return ok(bookedTick(query));
    }

    public JsonNode tickOk(String query) {
        return ok(tick(query));
    }

    private JsonNode ok(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            throw new AssertionError("tick answered " + r.statusCode() + ": " + r.body());
        }
        return json(r.body());
    }

    /** Creates a pack of {@code leads} and answers its id. */
    public long createPack(UUID workspace, List<Long> leads) {
        HttpResponse<String> r = post("/insights/context-packs", jsonString(Map.of("workspaceId", workspace.toString(),
                "leadIds", leads, "question", "Who wants a meeting?")), "Authorization", "Bearer " + SERVICE_TOKEN);
        if (r.statusCode() != 201) {
            throw new AssertionError("create answered " + r.statusCode() + ": " + r.body());
        }
        return json(r.body()).get("id").getLongValue();
    }

    public JsonNode pack(UUID workspace, long id) {
        HttpResponse<String> r = get("/insights/context-packs/" + id, "Authorization", "Bearer " + SERVICE_TOKEN,
                "X-Workspace-Id", workspace.toString());
        if (r.statusCode() != 200) {
            throw new AssertionError("view answered " + r.statusCode() + ": " + r.body());
        }
        return json(r.body());
    }

    public HttpResponse<String> get(String path, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), headers);
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)), headers);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
        b.timeout(Duration.ofSeconds(90));
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public JsonNode json(String text) {
        try {
            return json.readValue(text, JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    public String jsonString(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- pool and database --------------------------------------------------------------------------------

    /** Hikari's active connections, as its Micrometer gauge reports them. */
    public double activeConnections() {
        Gauge gauge = context.getBean(MeterRegistry.class).find("hikaricp.connections.active").gauge();
        if (gauge == null) {
            throw new IllegalStateException("no hikaricp.connections.active gauge");
        }
        return gauge.value();
    }

    /** Times a caller waited in vain for a pooled connection. */
    public double acquisitionTimeouts() {
        Counter c = context.getBean(MeterRegistry.class).find("hikaricp.connections.timeout").counter();
        return c == null ? 0 : c.count();
    }

    /** Units of work DbRetry attempted, whatever their outcome: every query the service runs goes through it. */
    public double dbAttempts() {
        return context.getBean(MeterRegistry.class).find("ballast.db.retry.attempts").counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    public long count(String sql, Object... params) {
        return db.count(sql, params);
    }

    public List<Map<String, Object>> query(String sql, Object... params) {
        return new ArrayList<>(db.query(sql, params));
    }

    @Override
    public void close() {
        context.close();
    }
}
