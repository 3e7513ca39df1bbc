package dev.ballast.integrations.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextBuilder;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.awaitility.Awaitility.await;

/**
 * integrations-service started for real on a fresh PostgreSQL database, with every provider pointed at one WireMock
 * server (each under its own path prefix: {@code /ai}, {@code /slack}, ...). Driven over HTTP, inspected with SQL.
 * Retries are fast (10 ms backoff), per-try timeouts short (1 s), the retry budget unlimited and breakers hard to
 * open unless a test says otherwise.
 */
public final class IntegrationsServiceUnderTest implements AutoCloseable {

    public static final String SERVICE_TOKEN = "test-service-token-7f3a";
    public static final String ADMIN_TOKEN = "test-admin-token-91be";
    public static final String CRON_TOKEN = "test-cron-token-c044";
    /** base64 of 32 bytes. */
    public static final String SECRET_KEY = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
    public static final List<String> PROVIDERS = List.of("ai", "emailbison", "ghl", "slack", "unipile");

    private final TestDatabase db;
    private final boolean ownsDb;
    private final WireMockServer providers;
    private final boolean ownsProviders;
    private final ApplicationContext context;
    private final URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();
    private final JsonMapper json;
    private FaultProxy proxy;

    private IntegrationsServiceUnderTest(TestDatabase db, boolean ownsDb, WireMockServer providers,
                                         boolean ownsProviders, ApplicationContext context) {
        this.db = db;
        this.ownsDb = ownsDb;
        this.providers = providers;
        this.ownsProviders = ownsProviders;
        this.context = context;
        this.base = context.getBean(EmbeddedServer.class).getURI();
        this.json = context.getBean(JsonMapper.class);
    }

    public static IntegrationsServiceUnderTest start(Map<String, Object> properties) {
        return start(properties, b -> { });
    }

    public static IntegrationsServiceUnderTest start(Map<String, Object> properties,
                                                     Consumer<ApplicationContextBuilder> customize) {
        WireMockServer wireMock = new WireMockServer(options().dynamicPort().asynchronousResponseEnabled(true)
                .containerThreads(100));
        wireMock.start();
        IntegrationsServiceUnderTest service = start(TestPostgres.freshDatabase(), true, wireMock, true, properties,
                customize);
        service.warmUp();
        return service;
    }

    /**
     * One call through every provider client: the first call of a client loads its classes and opens its pool, which
     * is no fair test of a 1 s per-try timeout. WireMock is reset afterwards.
     */
    private void warmUp() {
        Providers.allWorking(providers);
        UUID ws = UUID.randomUUID();
        connectAll(ws);
        String w = "\"workspaceId\":\"" + ws + "\"";
        operation("/ai/sentiment", ws, "warm-up", "{" + w + ",\"messageId\":1,\"body\":\"x\"}");
        operation("/providers/emailbison/enrichment", ws, "warm-up", "{" + w + ",\"leadId\":1,\"email\":\"a@b.example\"}");
        operation("/providers/ghl/sms", ws, "warm-up", "{" + w + ",\"messageId\":1,\"contactId\":\"c\",\"message\":\"x\"}");
        operation("/notifications/slack", ws, "warm-up", "{" + w + ",\"messageId\":1,\"text\":\"x\"}");
        operation("/providers/unipile/messages", ws, "warm-up",
                "{" + w + ",\"accountId\":\"a\",\"chatId\":\"c\",\"text\":\"x\",\"inmail\":false}");
        providers.resetAll();
    }

    /** Started with its database behind a {@link FaultProxy} the test can cut, closed with the service. */
    public static IntegrationsServiceUnderTest startBehindProxy(Map<String, Object> properties) {
        WireMockServer wireMock = new WireMockServer(options().dynamicPort().asynchronousResponseEnabled(true)
                .containerThreads(100));
        wireMock.start();
        TestDatabase db = TestPostgres.freshDatabase();
        FaultProxy proxy = FaultProxy.in(db);
        Map<String, Object> props = new HashMap<>(properties);
        props.put("datasources.default.url", db.jdbcUrlThrough(proxy.port()));
        IntegrationsServiceUnderTest service = start(db, true, wireMock, true, props, b -> { });
        service.proxy = proxy;
        service.warmUp();
        return service;
    }

    public FaultProxy proxy() {
        return proxy;
    }

    /** A second replica on this one's database and providers. */
    public IntegrationsServiceUnderTest replica(Map<String, Object> properties, Consumer<ApplicationContextBuilder> customize) {
        return start(db, false, providers, false, properties, customize);
    }

    private static IntegrationsServiceUnderTest start(TestDatabase db, boolean ownsDb, WireMockServer wireMock,
                                                      boolean ownsProviders, Map<String, Object> properties,
                                                      Consumer<ApplicationContextBuilder> customize) {
        Map<String, Object> props = new HashMap<>(db.datasourceProperties());
        props.put("micronaut.server.port", -1);
        props.put("ballast.integrations.service-token", SERVICE_TOKEN);
        props.put("ballast.integrations.admin-token", ADMIN_TOKEN);
        props.put("ballast.integrations.cron-token", CRON_TOKEN);
        props.put("ballast.integrations.credentials.secret-key", SECRET_KEY);
        props.put("ballast.integrations.answers.prune-initial-delay", "1h");
        for (String p : PROVIDERS) {
            props.put("micronaut.http.services." + p + ".url", wireMock.baseUrl() + "/" + p);
            props.put("micronaut.http.services." + p + ".read-timeout", "1s");
            props.put("ballast.clients." + p + ".base", "10ms");
            props.put("ballast.clients." + p + ".cap", "50ms");
            props.put("ballast.clients." + p + ".deadline", "10s");
            props.put("ballast.clients." + p + ".budget.min-retries", "100000");
            props.put("ballast.clients." + p + ".breaker.minimum-number-of-calls", "1000");
            props.put("ballast.clients." + p + ".breaker.sliding-window-size", "1000");
        }
        props.putAll(properties);
        ApplicationContextBuilder builder = ApplicationContext.builder().properties(props).environments("test");
        customize.accept(builder);
        ApplicationContext context = builder.start();
        context.getBean(EmbeddedServer.class).start();
        IntegrationsServiceUnderTest service = new IntegrationsServiceUnderTest(db, ownsDb, wireMock, ownsProviders, context);
        await().atMost(Duration.ofSeconds(30)).until(() -> service.get("/health/readiness").statusCode() == 200);
        return service;
    }

    public WireMockServer providers() {
        return providers;
    }

    public ApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public URI uri() {
        return base;
    }

    // ---- the service's own APIs -----------------------------------------------------------------------------

    /** Stores credentials for (workspace, provider) through the admin API; fails the test unless stored. */
    public void connect(UUID workspace, String provider, String credentialsJson) {
        HttpResponse<String> r = put("/admin/workspaces/" + workspace + "/integrations/" + provider, credentialsJson,
                "Authorization", "Bearer " + ADMIN_TOKEN);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("credentials not stored: " + r.statusCode() + " " + r.body());
        }
    }

    /** Connects every provider for {@code workspace} with a token of its own, Slack to #notices and #alerts. */
    public void connectAll(UUID workspace) {
        connect(workspace, "ai", "{\"token\":\"sk-ai-" + workspace + "\"}");
        connect(workspace, "emailbison", "{\"token\":\"eb-" + workspace + "\"}");
        connect(workspace, "ghl", "{\"token\":\"ghl-" + workspace + "\",\"accountId\":\"loc-1\"}");
        connect(workspace, "slack", "{\"token\":\"xoxb-" + workspace + "\",\"channel\":\"#notices\",\"alertChannel\":\"#alerts\"}");
        connect(workspace, "unipile", "{\"token\":\"up-" + workspace + "\",\"accountId\":\"acc-1\"}");
    }

    /** A provider operation as jobs-service sends it. */
    public HttpResponse<String> operation(String path, UUID workspace, String key, String body) {
        return post(path, body, "Authorization", "Bearer " + SERVICE_TOKEN, "X-Workspace-Id", workspace.toString(),
                "Idempotency-Key", key);
    }

    public HttpResponse<String> get(String path, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)), headers);
    }

    public HttpResponse<String> put(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)), headers);
    }

    private URI uri(String path) {
        return URI.create(base.toString() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
        b.timeout(Duration.ofSeconds(30));
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

    // ---- database -------------------------------------------------------------------------------------------

    public TestDatabase database() {
        return db;
    }

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

    /** The health status of (workspace, provider), or null without a record. */
    public String status(UUID workspace, String provider) {
        List<Map<String, Object>> rows = query("SELECT status FROM integrations.integration_health "
                + "WHERE workspace_id = ? AND provider = ?", workspace, provider);
        return rows.isEmpty() ? null : (String) rows.getFirst().get("status");
    }

    @Override
    public void close() {
        context.close();
        if (proxy != null) {
            proxy.close();
        }
        if (ownsProviders) {
            providers.stop();
        }
        if (ownsDb) {
            db.close();
        }
    }
}
