package dev.ballast.testsupport;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.ApplicationContextBuilder;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.runtime.server.EmbeddedServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/**
 * A service started for real on a test PostgreSQL database (directly or through a {@link FaultProxy}), driven over
 * HTTP and inspected with SQL: the one fixture every service's test harness extends, adding only its own domain
 * helpers. Configure with {@link #setup()}; close it after the test class.
 */
public class ServiceUnderTest implements AutoCloseable {

    /** How to start a service; {@link #freshDatabase()} or {@link #database} names where its data lives. */
    public static final class Setup {
        private @Nullable TestDatabase database;
        private boolean ownsDatabase;
        private @Nullable FaultProxy proxy;
        private boolean ownsProxy;
        private boolean faultProxy;
        private boolean server = true;
        private final Map<String, Object> properties = new HashMap<>();
        private Consumer<ApplicationContextBuilder> customize = b -> { };
        private @Nullable Predicate<ServiceUnderTest> ready;
        private Duration requestTimeout = Duration.ofSeconds(15);

        private Setup() {
        }

        /** A fresh database of its own, dropped on close. */
        public Setup freshDatabase() {
            return database(TestPostgres.freshDatabase(), true);
        }

        /** A database the test owns (several replicas may share it); closed on close only when {@code owned}. */
        public Setup database(TestDatabase db, boolean owned) {
            this.database = db;
            this.ownsDatabase = owned;
            return this;
        }

        /** Connects through a new fault proxy to the database (closed on close) rather than directly. */
        public Setup throughFaultProxy(boolean enabled) {
            this.faultProxy = enabled;
            return this;
        }

        /** Connects through the test's own proxy (not closed on close); null connects directly. */
        public Setup proxy(@Nullable FaultProxy proxy) {
            this.proxy = proxy;
            return this;
        }

        /** Starts no HTTP server (a worker replica): {@link #base()} and the HTTP helpers are then unusable. */
        public Setup withoutServer() {
            this.server = false;
            return this;
        }

        /** Properties on top of the data source's; later calls win. */
        public Setup properties(Map<String, ?> more) {
            properties.putAll(more);
            return this;
        }

        /** Registers singletons (a clock) and the like before the context starts. */
        public Setup customize(Consumer<ApplicationContextBuilder> customize) {
            this.customize = customize;
            return this;
        }

        /** Waited on (30 s at most) before {@link #start} returns; by default the readiness endpoint answering 200. */
        public Setup readyWhen(Predicate<ServiceUnderTest> ready) {
            this.ready = ready;
            return this;
        }

        public Setup requestTimeout(Duration timeout) {
            this.requestTimeout = timeout;
            return this;
        }

        public ServiceUnderTest start() {
            return new ServiceUnderTest(this);
        }
    }

    private final TestDatabase db;
    private final boolean ownsDatabase;
    private final @Nullable FaultProxy proxy;
    private final boolean ownsProxy;
    private final ApplicationContext context;
    private final @Nullable URI base;
    private final Duration requestTimeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    public static Setup setup() {
        return new Setup();
    }

    /** Starts the service as {@code setup} says and waits until it is ready. */
    protected ServiceUnderTest(Setup setup) {
        if (setup.database == null) {
            throw new IllegalStateException("no database: call freshDatabase() or database(...)");
        }
        this.db = setup.database;
        this.ownsDatabase = setup.ownsDatabase;
        this.ownsProxy = setup.faultProxy && setup.proxy == null;
        this.proxy = ownsProxy ? FaultProxy.in(db) : setup.proxy;
        this.requestTimeout = setup.requestTimeout;
        Map<String, Object> props = new HashMap<>(db.datasourceProperties(
                proxy == null ? db.jdbcUrl() : db.jdbcUrlThrough(proxy.port())));
        props.put("micronaut.server.port", -1);
        props.putAll(setup.properties);
        ApplicationContextBuilder builder = ApplicationContext.builder().properties(props).environments("test");
        setup.customize.accept(builder);
        this.context = builder.start();
        if (setup.server) {
            EmbeddedServer server = context.getBean(EmbeddedServer.class);
            server.start();
            this.base = server.getURI();
        } else {
            this.base = null;
        }
        Predicate<ServiceUnderTest> ready = setup.ready != null ? setup.ready
                : s -> s.base == null || s.get("/health/readiness").statusCode() == 200;
        await().atMost(Duration.ofSeconds(30)).until(() -> ready.test(this));
    }

    public ApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public TestDatabase database() {
        return db;
    }

    public FaultProxy proxy() {
        if (proxy == null) {
            throw new IllegalStateException("started without a fault proxy");
        }
        return proxy;
    }

    public URI base() {
        if (base == null) {
            throw new IllegalStateException("started without an HTTP server");
        }
        return base;
    }

    // ---- HTTP -------------------------------------------------------------------------------------------

    /** {@code headers} are name, value pairs. */
    public HttpResponse<String> get(String path, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
    }

    public HttpResponse<String> post(String path, byte[] body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), headers);
    }

    public HttpResponse<String> post(String path, String body, String... headers) {
        return post(path, body.getBytes(java.nio.charset.StandardCharsets.UTF_8), headers);
    }

    public HttpResponse<String> put(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body, java.nio.charset.StandardCharsets.UTF_8)), headers);
    }

    /** Takes an already encoded path and query. */
    private URI uri(String path) {
        return URI.create(base() + path);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String... headers) {
        b.timeout(requestTimeout);
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
            return bean(JsonMapper.class).readValue(text, JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + text, e);
        }
    }

    public String jsonString(Object value) {
        try {
            return bean(JsonMapper.class).writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // ---- database ---------------------------------------------------------------------------------------

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
        if (ownsProxy && proxy != null) {
            proxy.close();
        }
        if (ownsDatabase) {
            db.close();
        }
    }
}
