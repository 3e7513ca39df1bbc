package dev.ballast.webhook.testing;

import dev.ballast.testsupport.JvmProcess;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.awaitility.Awaitility.await;

/**
 * The real jobs-service, run from its built jar in a JVM of its own on a fresh PostgreSQL database, for tests where
 * the relay's flow crosses into it. A separate JVM because both services' beans would otherwise meet in one
 * classpath (Micronaut loads every bean it finds), as they never do in production; dev-stack runs them the same way.
 * Queue workers are off, so stored jobs stay as the enqueue left them.
 */
public final class RealJobsService implements AutoCloseable {

    public static final String TOKEN = "test-jobs-service-token";

    private final TestDatabase db;
    private final int port;
    private final Path log;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private JvmProcess process;

    private RealJobsService(TestDatabase db, int port, Path log) {
        this.db = db;
        this.port = port;
        this.log = log;
        // a test JVM that dies must not leave a jobs-service behind
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop));
    }

    public static RealJobsService start() {
        try {
            Path log = Files.createTempFile("jobs-service-", ".log");
            RealJobsService service = new RealJobsService(TestPostgres.freshDatabase(), freePort(), log);
            service.startProcess();
            return service;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public String url() {
        return "http://localhost:" + port;
    }

    public TestDatabase database() {
        return db;
    }

    public long count(String sql, Object... params) {
        return db.count(sql, params);
    }

    /** Stops the JVM (SIGTERM, then SIGKILL): connections to it are refused until {@link #restart()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.stop();
        process = null;
    }

    /** Starts it again on the same port and database. */
    public synchronized void restart() {
        stop();
        startProcess();
    }

    private synchronized void startProcess() {
        String jar = System.getProperty("ballast.jobs-service.jar");
        if (jar == null || !Files.isRegularFile(Path.of(jar))) {
            throw new IllegalStateException("jobs-service jar not built: " + jar
                    + " (the webhook-service build packages jobs-service first)");
        }
        Map<String, String> props = new LinkedHashMap<>(db.datasourceProperties());
        props.put("micronaut.server.port", Integer.toString(port));
        props.put("ballast.jobs.service-token", TOKEN);
        props.put("ballast.jobs.workers.enabled", "false");
        props.put("ballast.jobs.periodic.enabled", "false");
        props.put("ballast.jobs.admin.stats-enabled", "false");
        props.put("logback.configurationFile", logbackQuiet());
        process = JvmProcess.startJar(Path.of(jar), props, log);
        JvmProcess started = process;
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!started.alive()) {
                throw new IllegalStateException("jobs-service exited, see " + log);
            }
            return ready();
        });
    }

    private boolean ready() {
        try {
            HttpResponse<Void> r = http.send(HttpRequest.newBuilder(URI.create(url() + "/health/readiness"))
                    .timeout(Duration.ofSeconds(2)).GET().build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String logbackQuiet() {
        try {
            Path file = Files.createTempFile("jobs-service-logback", ".xml");
            Files.writeString(file, """
                <configuration>
                  <appender name="out" class="ch.qos.logback.core.ConsoleAppender">
                    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} %msg%n</pattern></encoder>
                  </appender>
                  <root level="warn"><appender-ref ref="out"/></root>
                </configuration>""");
            return file.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    @Override
    public void close() {
        stop();
        db.close();
    }
}
