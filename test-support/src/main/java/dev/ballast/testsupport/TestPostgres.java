package dev.ballast.testsupport;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real PostgreSQL server per test JVM, chosen in this order: {@code TEST_DATABASE_URL} if set,
 * Testcontainers if a Docker engine answers, otherwise embedded PostgreSQL (zonky). Each test class asks
 * for a {@link TestDatabase} of its own.
 */
public final class TestPostgres {

    private static final Logger LOG = LoggerFactory.getLogger(TestPostgres.class);
    private static final Pattern JDBC_URL = Pattern.compile("jdbc:postgresql://([^:/?]+)(?::(\\d+))?/([^?]*)(\\?.*)?");
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static Server server;

    private TestPostgres() {
    }

    /** The server of this JVM, started on first use. */
    public static synchronized Server server() {
        if (server == null) {
            server = start();
            LOG.info("test PostgreSQL: source={} host={} port={}", server.source(), server.host(), server.port());
        }
        return server;
    }

    /** A new, empty database on the server of this JVM, dropped when the JVM exits or on close. */
    public static TestDatabase freshDatabase() {
        Server s = server();
        String name = "ballast_t" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
        try (Connection c = s.adminConnection(); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create test database " + name, e);
        }
        return new TestDatabase(s, name);
    }

    private static Server start() {
        String url = System.getenv("TEST_DATABASE_URL");
        if (url != null && !url.isBlank()) {
            return external(url);
        }
        if (dockerAnswers()) {
            return container();
        }
        return embedded();
    }

    private static Server external(String url) {
        Matcher m = JDBC_URL.matcher(url);
        if (!m.matches()) {
            throw new IllegalArgumentException("TEST_DATABASE_URL must look like jdbc:postgresql://host:port/db");
        }
        Map<String, String> params = QueryParams.parse(m.group(4));
        String user = firstNonBlank(System.getenv("TEST_DATABASE_USER"), params.get("user"), "postgres");
        String password = firstNonBlank(System.getenv("TEST_DATABASE_PASSWORD"), params.get("password"), "");
        int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
        String adminDb = m.group(3).isEmpty() ? "postgres" : m.group(3);
        return new Server("TEST_DATABASE_URL", m.group(1), port, adminDb, user, password, null);
    }

    private static boolean dockerAnswers() {
        boolean socket = Files.exists(Path.of("/var/run/docker.sock")) || System.getenv("DOCKER_HOST") != null;
        if (!socket) {
            return false;
        }
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    @SuppressWarnings("resource")
    private static Server container() {
        PostgreSQLContainer<?> pg = new PostgreSQLContainer<>("postgres:17-alpine");
        pg.start();
        Runtime.getRuntime().addShutdownHook(new Thread(pg::stop, "test-postgres-stop"));
        return new Server("testcontainers", pg.getHost(), pg.getMappedPort(5432), pg.getDatabaseName(),
                pg.getUsername(), pg.getPassword(), null);
    }

    private static Server embedded() {
        try {
            EmbeddedPostgres pg = EmbeddedPostgres.builder()
                    .setServerConfig("max_connections", "300")
                    .setServerConfig("fsync", "off")
                    .setServerConfig("synchronous_commit", "off")
                    .start();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(pg), "test-postgres-stop"));
            return new Server("embedded", "localhost", pg.getPort(), "postgres", "postgres", "", pg);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
        }
    }

    private static void closeQuietly(EmbeddedPostgres pg) {
        try {
            pg.close();
        } catch (IOException e) {
            LOG.warn("embedded PostgreSQL did not stop cleanly: {}", e.toString());
        }
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "";
    }

    /** A running PostgreSQL server and the credentials of a role that may create databases. */
    public record Server(String source, String host, int port, String adminDatabase, String user, String password,
                         EmbeddedPostgres embedded) {

        public String jdbcUrl(String database) {
            return "jdbc:postgresql://" + host + ":" + port + "/" + database;
        }

        Connection adminConnection() throws SQLException {
            return DriverManager.getConnection(jdbcUrl(adminDatabase), user, password);
        }
    }

    /** Minimal query-string reader for the credentials a JDBC URL may carry. */
    private static final class QueryParams {
        static Map<String, String> parse(String query) {
            if (query == null || query.length() < 2) {
                return Map.of();
            }
            var out = new java.util.HashMap<String, String>();
            for (String pair : query.substring(1).split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(pair.substring(0, eq), java.net.URLDecoder.decode(pair.substring(eq + 1),
                            java.nio.charset.StandardCharsets.UTF_8));
                }
            }
            return out;
        }
    }

}
