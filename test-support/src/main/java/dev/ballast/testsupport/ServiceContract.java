package dev.ballast.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import dev.ballast.testsupport.OpenApiOperations.Operation;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

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
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What every Ballast service promises about its database, health, errors and documents, run against the
 * real service on a real PostgreSQL behind a fault proxy. Each service's test extends this once.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ServiceContract {

    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    /** What an answer may take beyond its deadline (the rule: deadline + 1 s). */
    private static final long DEADLINE_SLACK_MS = 1000;
    /** How long the log is watched while the database hangs. */
    private static final Duration LOG_WINDOW = Duration.ofSeconds(20);
    /**
     * Lines (INFO and above, Hikari at its production level WARN) a hung database may cost a service in that window,
     * whatever its length: a WARN per loop and DbRetry's first unit at the start, a pool's validation failures.
     */
    private static final int MAX_OUTAGE_LINES = 30;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private TestDatabase db;
    private FaultProxy proxy;
    private ApplicationContext context;
    private URI base;

    /** The one schema the service owns. */
    protected abstract String schema();

    /** The OpenAPI document's file name under {@code /openapi/}. */
    protected abstract String openApiDocument();

    /** Properties the service needs to serve callers with valid credentials (tokens, keys); none by default. */
    protected Map<String, Object> serviceProperties() {
        return Map.of();
    }

    /** Headers of a caller with valid credentials for {@code path} (its bearer token); none by default. */
    protected Map<String, String> credentials(String path) {
        return Map.of();
    }

    /** Properties that switch on the background loops tests otherwise keep off (the log test's replica runs them). */
    protected Map<String, Object> backgroundLoops() {
        return Map.of();
    }

    /**
     * The body a caller with a valid request sends to {@code method pathTemplate}; by default the one generated from
     * the document's schema (every property, a value of its type), which a service may refuse as inconsistent
     * before it reaches the database.
     */
    protected String requestBody(String method, String pathTemplate, String generated) {
        return generated;
    }

    /**
     * The deadline of an endpoint on {@code path} that keeps its own (no request deadline from
     * {@code ballast.http.deadlines}), such as a cron tick's unit timeout or a webhook's time budget.
     */
    protected Duration ownDeadline(String path) {
        return Duration.ofSeconds(5);
    }

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

    @Test
    void everyOperationAnswersWithinItsDeadlineWhenTheDatabaseHangs() throws Exception {
        List<Operation> operations = OpenApiOperations.parse(get(base, "/openapi/" + openApiDocument()).body());
        List<Answer> answers;
        try {
            proxy.freeze();
            // All at once: more callers than the pool has connections, so that acquisition is bounded as well.
            List<CompletableFuture<Answer>> calls = new ArrayList<>();
            for (Operation op : operations) {
                calls.add(call(op));
            }
            answers = calls.stream().map(CompletableFuture::join).toList();
        } finally {
            proxy.restore();
        }
        answers.forEach(a -> System.out.println("hung-db " + getClass().getSimpleName() + " " + a));
        assertThat(answers).allSatisfy(a -> {
            assertThat(a.tookMs()).as("%s answered in time", a).isLessThanOrEqualTo(a.deadlineMs() + DEADLINE_SLACK_MS);
            assertThat(a.status()).as("%s is no 500 and no other 5xx than 503", a).isNotEqualTo(500)
                    .satisfiesAnyOf(s -> assertThat(s).isBetween(200, 499), s -> assertThat(s).isEqualTo(503));
            if (a.status() == 503 || a.status() == 429) {
                assertThat(a.contentType()).as("%s is problem+json", a).startsWith("application/problem+json");
                assertThat(a.retryAfter()).as("%s says when to come back", a).isNotNull();
            }
        });
        await().atMost(READY_WITHIN).until(() -> status("/health/readiness") == 200);
    }

    @Test
    void aHungDatabaseLeavesTheLogAtABoundedNumberOfLinesHoweverOftenItsLoopsRetry() throws Exception {
        // A replica of its own that gives up on a hung database fast, so that its loops fail many times in the window.
        try (FaultProxy own = FaultProxy.in(db)) {
            Map<String, Object> fastFailure = new HashMap<>(backgroundLoops());
            fastFailure.putAll(Map.of(
                    "ballast.db.statement-timeout", "500ms",
                    "ballast.db.network-timeout", "1s",
                    "datasources.default.connection-timeout", 500,
                    "datasources.default.validation-timeout", 250,
                    "ballast.db.retry.base", "20ms",
                    "ballast.db.retry.cap", "100ms"));
            ApplicationContext replica = start(db, own, fastFailure);
            try {
                URI replicaBase = replica.getBean(EmbeddedServer.class).getURI();
                await().atMost(READY_WITHIN).until(() -> get(replicaBase, "/health/readiness").statusCode() == 200);
                Logger hikari = (Logger) LoggerFactory.getLogger("com.zaxxer.hikari");
                Level hikariLevel = hikari.getLevel();
                LogCapture log = null;
                double failedBefore = failedDbAttempts(replica);
                long started = System.nanoTime();
                try {
                    hikari.setLevel(Level.WARN);
                    log = LogCapture.start();
                    own.freeze();
                    // The window ends at its length, or sooner once the loops have failed many times over.
                    await().atMost(LOG_WINDOW.plusSeconds(10)).until(() -> failedDbAttempts(replica) - failedBefore >= 100
                            || System.nanoTime() - started >= LOG_WINDOW.toNanos());
                } finally {
                    own.restore();
                    if (log != null) {
                        log.close();
                    }
                    hikari.setLevel(hikariLevel);
                }
                long failed = (long) (failedDbAttempts(replica) - failedBefore);
                List<String> lines = log.lines(Level.INFO);
                System.out.println("hung-db " + getClass().getSimpleName() + " log_lines=" + lines.size()
                        + " failed_db_attempts=" + failed + " window_ms=" + (System.nanoTime() - started) / 1_000_000);
                assertThat(lines).as("lines logged while the database hung, %s failed attempts: %s", failed, lines)
                        .hasSizeLessThanOrEqualTo(MAX_OUTAGE_LINES);
            } finally {
                replica.close();
            }
        }
    }

    /** Units of work that met a failing database, as DbRetry counts them. */
    private static double failedDbAttempts(ApplicationContext context) {
        return context.findBean(MeterRegistry.class).map(m -> m.find("ballast.db.retry.attempts").counters().stream()
                .filter(c -> !"success".equals(c.getId().getTag("outcome"))).mapToDouble(Counter::count).sum())
                .orElse(0.0);
    }

    private CompletableFuture<Answer> call(Operation op) {
        long deadlineMs = deadlineOf(op.path()).toMillis();
        HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(op.path()))
                .timeout(Duration.ofMillis(deadlineMs + 10_000))
                .method(op.method().toUpperCase(), op.body() == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(requestBody(op.method(), op.pathTemplate(), op.body())));
        if (op.contentType() != null) {
            request.header("Content-Type", op.contentType());
        }
        op.headers().forEach(request::header);
        credentials(op.path()).forEach(request::setHeader);
        long started = System.nanoTime();
        return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString()).handle((r, e) -> {
            long took = (System.nanoTime() - started) / 1_000_000;
            if (e != null) {
                return new Answer(op, -1, null, null, e.toString(), took, deadlineMs);
            }
            return new Answer(op, r.statusCode(), r.headers().firstValue("Content-Type").orElse(""),
                    r.headers().firstValue("Retry-After").orElse(null), r.body(), took, deadlineMs);
        });
    }

    /** The request deadline {@code ballast.http.deadlines} gives the path, else the endpoint's own. */
    private Duration deadlineOf(String path) {
        for (String route : context.getProperty("ballast.http.deadlines.routes", Argument.listOf(String.class))
                .orElse(List.of())) {
            int eq = route.indexOf('=');
            if (eq > 0 && path.startsWith(route.substring(0, eq).strip())) {
                Duration d = context.getConversionService().convert(route.substring(eq + 1).strip(), Duration.class)
                        .orElseThrow();
                return d.isZero() ? ownDeadline(path) : d;
            }
        }
        Duration api = context.getProperty("ballast.http.deadlines.api", Duration.class).orElse(Duration.ZERO);
        return api.isZero() ? ownDeadline(path) : api;
    }

    /** How one operation answered while the database hung. */
    private record Answer(Operation op, int status, String contentType, String retryAfter, String body, long tookMs,
                          long deadlineMs) {

        @Override
        public String toString() {
            String shown = body == null ? "" : body.length() > 160 ? body.substring(0, 160) + "..." : body;
            return op + " -> " + status + " in " + tookMs + " ms (deadline " + deadlineMs + " ms) " + shown;
        }
    }

    private ApplicationContext start(TestDatabase database, FaultProxy through) {
        return start(database, through, Map.of());
    }

    private ApplicationContext start(TestDatabase database, FaultProxy through, Map<String, Object> overrides) {
        Map<String, Object> props = new HashMap<>(database.datasourceProperties(database.jdbcUrlThrough(through.port())));
        props.putAll(serviceProperties());
        props.putAll(overrides);
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
