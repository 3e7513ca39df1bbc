package dev.ballast.jobs.testing;

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
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static org.awaitility.Awaitility.await;

/**
 * jobs-service started for real on a fresh PostgreSQL database, driven over HTTP and inspected with SQL. One per
 * test class. It starts no queue workers: the features under test are called directly or through their endpoints.
 */
public final class JobsServiceUnderTest implements AutoCloseable {

    public static final String ADMIN_TOKEN = "test-admin-token";
    public static final String SERVICE_TOKEN = "test-service-token";

    private final TestDatabase db;
    private final ApplicationContext context;
    private final URI base;
    private final HttpClient http;
    private final JsonMapper json;

    private JobsServiceUnderTest(TestDatabase db, ApplicationContext context) {
        this.db = db;
        this.context = context;
        this.base = context.getBean(EmbeddedServer.class).getURI();
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).version(HttpClient.Version.HTTP_1_1)
                .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
        this.json = context.getBean(JsonMapper.class);
    }

    public static JobsServiceUnderTest start(Map<String, Object> properties) {
        return start(properties, builder -> { });
    }

    /** {@code customize} can register singletons (a clock) before the context starts. */
    public static JobsServiceUnderTest start(Map<String, Object> properties,
                                             Consumer<io.micronaut.context.ApplicationContextBuilder> customize) {
        TestDatabase db = TestPostgres.freshDatabase();
        Map<String, Object> props = new HashMap<>(db.datasourceProperties());
        props.put("micronaut.server.port", -1);
        props.put("ballast.jobs.admin-token", ADMIN_TOKEN);
        props.put("ballast.jobs.workflows.service-token", SERVICE_TOKEN);
        props.put("ballast.jobs.admin.stats-enabled", "false");
        props.put("ballast.jobs.periodic.enabled", "false");
        // These tests look at rows they insert; resident workers claiming them would race the assertions.
        props.put("ballast.jobs.workers.enabled", "false");
        props.put("ballast.jobs.service-token", SERVICE_TOKEN);
        props.putAll(properties);
        var builder = ApplicationContext.builder().properties(props).environments("test");
        customize.accept(builder);
        ApplicationContext context = builder.start();
        context.getBean(EmbeddedServer.class).start();
        JobsServiceUnderTest service = new JobsServiceUnderTest(db, context);
        await().atMost(Duration.ofSeconds(30)).until(() -> service.get("/health/readiness").statusCode() == 200);
        return service;
    }

    public ApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    // ---- HTTP -------------------------------------------------------------------------------------------

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

    /** Takes an already encoded path and query. */
    private URI uri(String path) {
        return URI.create(base.toString() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
        b.timeout(Duration.ofSeconds(15));
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
        return json(response.body());
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

    // ---- database ---------------------------------------------------------------------------------------

    /** Inserts a job row as the queue would have left it, and answers its id. */
    public long insertJob(String type, UUID workspace, String status, int attempt, int maxAttempts) {
        return ((Number) queryOne("""
                INSERT INTO jobs.jobs (type, workspace_id, payload, status, attempt, max_attempts, last_error,
                                       finished_at, lease_until, locked_by)
                VALUES (?, ?, '{"k":"v"}', ?, ?, ?, CASE WHEN ? = 'dead' THEN 'boom' END,
                        CASE WHEN ? IN ('succeeded', 'dead', 'cancelled') THEN now() END,
                        CASE WHEN ? = 'running' THEN now() + interval '5 minutes' END,
                        CASE WHEN ? = 'running' THEN 'worker-1' END)
                RETURNING id""", type, workspace, status, attempt, maxAttempts, status, status, status, status))
                .longValue();
    }

    /** A connection of the test's own, outside the service's pool, e.g. to hold a lock the service will wait on. */
    public Connection connect() throws SQLException {
        return db.connect();
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

    @Override
    public void close() {
        context.close();
        db.close();
    }
}
