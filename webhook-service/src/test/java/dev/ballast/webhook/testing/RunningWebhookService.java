package dev.ballast.webhook.testing;

import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
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
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * webhook-service started for real on a fresh PostgreSQL database (through a fault proxy), driven over HTTP.
 * One per test class.
 */
public final class RunningWebhookService implements AutoCloseable {

    public static final String ADMIN_TOKEN = "test-admin-token";
    public static final String SERVICE_TOKEN = "test-service-token";
    private static final AtomicLong REPLY_IDS = new AtomicLong(1_000_000);

    private final TestDatabase db;
    private final FaultProxy proxy;
    private final ApplicationContext context;
    private final URI base;
    private final HttpClient http;
    private final JsonMapper json;

    private RunningWebhookService(TestDatabase db, FaultProxy proxy, ApplicationContext context) {
        this.db = db;
        this.proxy = proxy;
        this.context = context;
        this.base = context.getBean(EmbeddedServer.class).getURI();
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1)
                .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
        this.json = context.getBean(JsonMapper.class);
    }

    public static RunningWebhookService start() {
        return start(Map.of());
    }

    public static RunningWebhookService start(Map<String, Object> properties) {
        return start(properties, false);
    }

    /** Connected through a {@link FaultProxy} (for fault tests: it adds latency to every round trip) or directly. */
    public static RunningWebhookService start(Map<String, Object> properties, boolean throughFaultProxy) {
        TestDatabase db = TestPostgres.freshDatabase();
        FaultProxy proxy = throughFaultProxy ? FaultProxy.in(db) : null;
        Map<String, Object> props = new HashMap<>(db.datasourceProperties(
                proxy == null ? db.jdbcUrl() : db.jdbcUrlThrough(proxy.port())));
        props.put("micronaut.server.port", -1);
        props.putAll(properties);
        ApplicationContext context = ApplicationContext.run(EmbeddedServer.class, props, "test").getApplicationContext();
        RunningWebhookService service = new RunningWebhookService(db, proxy, context);
        await().atMost(Duration.ofSeconds(30)).until(() -> service.get("/health/readiness").statusCode() == 200);
        return service;
    }

    public ApplicationContext context() {
        return context;
    }

    public FaultProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("started without a fault proxy");
        }
        return proxy;
    }

    public TestDatabase database() {
        return db;
    }

    public URI base() {
        return base;
    }

    // ---- HTTP -------------------------------------------------------------------------------------------

    public HttpResponse<String> get(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(15)).GET();
        return send(b, headers);
    }

    public HttpResponse<String> post(String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body));
        return send(b, headers);
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        return post(path, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
    }

    public HttpResponse<String> put(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(15))
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body));
        return send(b, headers);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
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

    public JsonNode json(HttpResponse<String> response) {
        try {
            return json.readValue(response.body(), JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + response.body(), e);
        }
    }

    public String jsonString(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- admin ------------------------------------------------------------------------------------------

    /** A workspace accepting the given EmailBison workspace ids and GHL location ids. */
    public TestWorkspace createWorkspace(List<String> emailbisonIds, List<String> ghlIds) {
        String body = jsonString(Map.of("name", "ws-" + UUID.randomUUID(),
                "providerWorkspaceIds", Map.of("emailbison", emailbisonIds, "ghl", ghlIds)));
        HttpResponse<String> r = post("/admin/workspaces", body, "Authorization", "Bearer " + ADMIN_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode n = json(r);
        return new TestWorkspace(UUID.fromString(n.get("workspace").get("id").getStringValue()),
                n.get("signingSecret").getStringValue(), n.get("intakeToken").getStringValue());
    }

    public TestWorkspace createWorkspace() {
        return createWorkspace(List.of(Deliveries.EMAILBISON_WORKSPACE), List.of(Deliveries.GHL_LOCATION));
    }

    // ---- database ---------------------------------------------------------------------------------------

    public long count(String sql, Object... params) {
        return db.count(sql, params);
    }

    public Object queryOne(String sql, Object... params) {
        return db.queryOne(sql, params);
    }

    public List<Map<String, Object>> query(String sql, Object... params) {
        return db.query(sql, params);
    }

    public void execute(String sql, Object... params) {
        db.execute(sql, params);
    }

    public long messages(UUID workspace) {
        return count("SELECT count(*) FROM webhook.messages WHERE workspace_id = ?", workspace);
    }

    public long outboxRows(UUID workspace) {
        return count("SELECT count(*) FROM webhook.outbox WHERE workspace_id = ?", workspace);
    }

    public long undeliveredOutboxRows(UUID workspace) {
        return count("SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? AND delivered_at IS NULL", workspace);
    }

    /** Delivers a new EmailBison reply (a reply id never used before) to the workspace: accepted, its message id. */
    public long acceptNewReply(TestWorkspace ws) {
        HttpResponse<String> r = post(ws.emailPath(), Deliveries.reply(REPLY_IDS.incrementAndGet(), "jane@example.com"),
                ws.bearer());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = json(r);
        assertThat(answer.get("status").getStringValue()).isEqualTo("accepted");
        return answer.get("messageId").getLongValue();
    }

    public long leads(UUID workspace) {
        return count("SELECT count(*) FROM webhook.leads WHERE workspace_id = ?", workspace);
    }

    /** The delivery-log rows of a workspace, oldest first. */
    public List<Map<String, Object>> deliveries(UUID workspace) {
        return query("SELECT outcome, reason, http_status, provider, event_type, webhook_id, body_bytes, message_id "
                + "FROM webhook.webhook_deliveries WHERE workspace_id = ? ORDER BY id", workspace);
    }

    @Override
    public void close() {
        context.close();
        if (proxy != null) {
            proxy.close();
        }
        db.close();
    }
}
