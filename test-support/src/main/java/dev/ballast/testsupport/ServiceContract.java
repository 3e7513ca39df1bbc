package dev.ballast.testsupport;

import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every Ballast service promises about its database, health, errors and documents, run against the
 * real service on a real PostgreSQL behind a fault proxy. Each service's test extends this once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServiceContract {

    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private TestDatabase db;
    private FaultProxy proxy;
    private ApplicationContext context;
    private URI base;

    /** The one schema the service owns. */
    protected abstract String schema();

    /** The OpenAPI document's file name under {@code /openapi/}. */
    protected abstract String openApiDocument();

    @BeforeAll
    void startService() {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        context = start(db, proxy);
        base = context.getBean(EmbeddedServer.class).getURI();
        await().atMost(READY_WITHIN).until(() -> status("/health/readiness") == 200);
    }

    @AfterAll
    void stopService() {
        if (context != null) {
            context.close();
        }
        if (proxy != null) {
            proxy.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void readinessGoesDownWithinFiveSecondsWhenTheDatabaseIsCutAndUpAfterRestore() throws Exception {
        try {
            proxy.cut();
            await().atMost(Duration.ofSeconds(5)).until(() -> status("/health/readiness") == 503);
            assertThat(status("/health/liveness")).isEqualTo(200);
        } finally {
            proxy.restore();
        }
        await().atMost(READY_WITHIN).until(() -> status("/health/readiness") == 200);
        assertThat(context.isRunning()).isTrue();
    }

    @Test
    void readinessGoesDownWithinFiveSecondsWhenTheDatabaseFreezes() throws Exception {
        try {
            proxy.freeze();
            await().atMost(Duration.ofSeconds(5)).until(() -> status("/health/readiness") == 503);
            assertThat(status("/health/liveness")).isEqualTo(200);
        } finally {
            proxy.restore();
        }
        await().atMost(READY_WITHIN).until(() -> status("/health/readiness") == 200);
    }

    @Test
    void startsWithoutADatabaseAndMigratesOnceItAppears() throws Exception {
        try (TestDatabase late = TestPostgres.freshDatabase(); FaultProxy unreachable = FaultProxy.in(late)) {
            unreachable.cut();
            ApplicationContext second = start(late, unreachable);
            try {
                URI secondBase = second.getBean(EmbeddedServer.class).getURI();
                assertThat(second.isRunning()).isTrue();
                HttpResponse<String> notReady = get(secondBase, "/health/readiness");
                assertThat(notReady.statusCode()).isEqualTo(503);
                assertThat(notReady.body()).contains("migrations pending");
                assertThat(get(secondBase, "/health/liveness").statusCode()).isEqualTo(200);
                assertThat(relationsOutside(late, List.of())).isEmpty();
                // Hold the outage until a migration attempt has failed, so that readiness rests on the retry.
                await().atMost(Duration.ofSeconds(15)).until(() ->
                        get(secondBase, "/health/readiness").body().contains("TRANSIENT"));
                assertThat(second.isRunning()).isTrue();

                unreachable.restore();
                await().atMost(READY_WITHIN).until(() -> get(secondBase, "/health/readiness").statusCode() == 200);
                assertThat(relationsOutside(late, List.of())).isNotEmpty();
            } finally {
                second.close();
            }
        }
    }

    @Test
    void migrationsTouchOnlyTheServicesOwnSchema() throws SQLException {
        assertThat(relationsOutside(db, List.of(schema()))).isEmpty();
        assertThat(relationsOutside(db, List.of())).contains(schema() + ".flyway_schema_history");
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT nspname FROM pg_namespace
                     WHERE nspname NOT LIKE 'pg\\_%' AND nspname NOT IN ('information_schema', 'public')""")) {
            List<String> schemas = new ArrayList<>();
            while (rs.next()) {
                schemas.add(rs.getString(1));
            }
            assertThat(schemas).containsExactly(schema());
        }
    }

    @Test
    void unknownRouteIsProblemJson404() throws Exception {
        assertProblem(get(base, "/no/such/route"), 404);
    }

    @Test
    void wrongMethodIsProblemJson405() throws Exception {
        assertProblem(send(HttpRequest.newBuilder(base.resolve("/contract-probe")).GET()), 405);
    }

    @Test
    void wrongMediaTypeIsProblemJson415() throws Exception {
        assertProblem(send(HttpRequest.newBuilder(base.resolve("/contract-probe"))
                .header("Content-Type", "text/plain")
                .POST(HttpRequest.BodyPublishers.ofString("name=x"))), 415);
    }

    @Test
    void malformedJsonIsProblemJson400() throws Exception {
        for (String body : List.of("{\"name\":", "{\"name\": \"x\", \"count\": \"many\"}", "[1,2", "")) {
            assertProblem(postJson("/contract-probe", body), 400);
        }
    }

    @Test
    void invalidBodyIsProblemJson400() throws Exception {
        assertProblem(postJson("/contract-probe", "{\"name\": \"\", \"count\": 1}"), 400);
    }

    @Test
    void wellFormedJsonStillWorks() throws Exception {
        HttpResponse<String> ok = postJson("/contract-probe", "{\"name\": \"ünï'; DROP TABLE x;--\", \"count\": 2}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(ok.body()).contains("ünï'; DROP TABLE x;--");
    }

    @Test
    void openApiDocumentIsServed() throws Exception {
        HttpResponse<String> doc = get(base, "/openapi/" + openApiDocument());
        assertThat(doc.statusCode()).isEqualTo(200);
        assertThat(doc.body()).startsWith("openapi: 3");
    }

    @Test
    void prometheusExposesHikariPoolGauges() throws Exception {
        HttpResponse<String> metrics = get(base, "/prometheus");
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body())
                .contains("hikaricp_connections_max{pool=\"" + schema() + "-pool\"} 10.0")
                .contains("hikaricp_connections_active{pool=\"" + schema() + "-pool\"}")
                .contains("hikaricp_connections_pending{pool=\"" + schema() + "-pool\"}");
    }

    private ApplicationContext start(TestDatabase database, FaultProxy through) {
        Map<String, Object> props = new HashMap<>(database.datasourceProperties(database.jdbcUrlThrough(through.port())));
        props.put("micronaut.server.port", -1);
        props.put("ballast.contract-probe.enabled", "true");
        return ApplicationContext.run(EmbeddedServer.class, props, "test").getApplicationContext();
    }

    private static List<String> relationsOutside(TestDatabase database, List<String> allowedSchemas) throws SQLException {
        String sql = """
                SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'
                  AND NOT (n.nspname = ANY (?)) ORDER BY 1""";
        try (Connection c = database.connect(); var st = c.prepareStatement(sql)) {
            st.setArray(1, c.createArrayOf("text", allowedSchemas.toArray()));
            try (ResultSet rs = st.executeQuery()) {
                List<String> out = new ArrayList<>();
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
                return out;
            }
        }
    }

    private static void assertProblem(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
        assertThat(response.body()).contains("\"status\":" + status);
    }

    private int status(String path) throws IOException, InterruptedException {
        return get(base, path).statusCode();
    }

    private HttpResponse<String> get(URI root, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(root.resolve(path)).timeout(Duration.ofSeconds(10)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> postJson(String path, String body) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)));
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws IOException, InterruptedException {
        return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
