package dev.ballast.jobs.queue;

import dev.ballast.resilience.db.SchemaMigrator;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.annotation.Nullable;
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
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** jobs-service started for real on a test database (directly or through a fault proxy), driven over HTTP and SQL. */
public final class RunningJobsService implements AutoCloseable {

    /** Properties every test context starts with: quick polling and short backoffs. */
    public static final Map<String, Object> FAST = Map.of(
            "ballast.jobs.workers.poll-interval", "200ms",
            "ballast.jobs.workers.rescue-interval", "200ms",
            "ballast.jobs.defaults.backoff-base", "20ms",
            "ballast.jobs.defaults.backoff-cap", "100ms",
            "ballast.db.retry.base", "50ms",
            "ballast.db.retry.cap", "200ms");

    private final TestDatabase db;
    private final ApplicationContext context;
    private final @Nullable URI base;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2))
            .version(HttpClient.Version.HTTP_1_1).executor(Executors.newVirtualThreadPerTaskExecutor()).build();

    private RunningJobsService(TestDatabase db, ApplicationContext context, @Nullable URI base) {
        this.db = db;
        this.context = context;
        this.base = base;
    }

    /** With an HTTP server; {@code proxy} null connects directly. */
    public static RunningJobsService start(TestDatabase db, @Nullable FaultProxy proxy, Map<String, Object> properties) {
        return start(db, proxy, properties, true);
    }

    /** A worker process without HTTP (another replica on the same database). */
    public static RunningJobsService startWorker(TestDatabase db, @Nullable FaultProxy proxy, Map<String, Object> properties) {
        return start(db, proxy, properties, false);
    }

    private static RunningJobsService start(TestDatabase db, @Nullable FaultProxy proxy, Map<String, Object> properties,
                                            boolean server) {
        Map<String, Object> props = new HashMap<>(db.datasourceProperties(
                proxy == null ? db.jdbcUrl() : db.jdbcUrlThrough(proxy.port())));
        props.put("micronaut.server.port", -1);
        props.putAll(FAST);
        props.putAll(properties);
        ApplicationContext context;
        URI base = null;
        if (server) {
            EmbeddedServer s = ApplicationContext.run(EmbeddedServer.class, props, "test");
            context = s.getApplicationContext();
            base = s.getURI();
        } else {
            context = ApplicationContext.run(props, "test");
        }
        SchemaMigrator migrator = context.getBean(SchemaMigrator.class);
        await().atMost(Duration.ofSeconds(30)).until(migrator::migrated);
        return new RunningJobsService(db, context, base);
    }

    public ApplicationContext context() {
        return context;
    }

    public <T> T bean(Class<T> type) {
        return context.getBean(type);
    }

    public JobQueue queue() {
        return bean(JobQueue.class);
    }

    // ---- HTTP -------------------------------------------------------------------------------------------

    public HttpResponse<String> post(String path, String body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(70))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
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

    @Override
    public void close() {
        context.close();
    }
}
