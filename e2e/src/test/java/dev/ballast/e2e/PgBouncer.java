package dev.ballast.e2e;

import dev.ballast.testsupport.TestDatabase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.awaitility.Awaitility.await;

/**
 * A real PgBouncer in transaction mode on a loopback port in front of a {@link TestDatabase}'s server, run as a child
 * process (not daemonised) so that it can be killed for real and started again on the same port. Its output goes to
 * {@code pgbouncer.log} beside the services' logs.
 */
final class PgBouncer implements AutoCloseable {

    private static final List<Path> KNOWN = List.of(Path.of("/usr/sbin/pgbouncer"), Path.of("/usr/bin/pgbouncer"));

    private final Path executable;
    private final Path config;
    private final Path log;
    private final int port;
    private final TestDatabase db;
    private Process process;

    private PgBouncer(Path executable, Path config, Path log, int port, TestDatabase db) {
        this.executable = executable;
        this.config = config;
        this.log = log;
        this.port = port;
        this.db = db;
    }

    /** Starts PgBouncer for {@code db}'s server on a free loopback port; {@code logs} receives pgbouncer.log. */
    static PgBouncer start(TestDatabase db, Path logs) {
        Path executable = executable();
        try {
            // PgBouncer refuses to run as root and then runs as nobody (below), who must be able to read these: a
            // directory of its own under the temporary directory, not the checkout (which may sit in /root).
            Path dir = Files.createTempDirectory("ballast-pgbouncer",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
            int port = freePort();
            String host = "localhost".equals(db.host()) ? "127.0.0.1" : db.host();
            // The services' role, as PgBouncer logs in to PostgreSQL with it. auth_type trust: the test server's
            // own authentication is what checks the password, PgBouncer only passes it on from this file.
            Path users = write(dir.resolve("userlist.txt"), "\"%s\" \"%s\"\n".formatted(db.user(),
                    db.password() == null ? "" : db.password()));
            Path config = write(dir.resolve("pgbouncer.ini"), """
                    [databases]
                    * = host=%s port=%d

                    [pgbouncer]
                    listen_addr = 127.0.0.1
                    listen_port = %d
                    unix_socket_dir =
                    auth_type = trust
                    auth_file = %s
                    pool_mode = transaction
                    max_client_conn = 200
                    ; fewer server connections than the services' pools hold client connections: their transactions
                    ; really share server sessions, as in production
                    default_pool_size = 8
                    ; a start-up parameter the JDBC driver sends and PgBouncer does not track
                    ignore_startup_parameters = extra_float_digits
                    logfile =
                    pidfile =
                    """.formatted(host, db.port(), port, users, db.user()));
            Files.createDirectories(logs);
            PgBouncer bouncer = new PgBouncer(executable, config, logs.resolve("pgbouncer.log"), port, db);
            bouncer.startProcess();
            return bouncer;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The JDBC URL of {@code database} through this PgBouncer. */
    String jdbcUrl(String database) {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + database;
    }

    /** SIGKILL: every client and server connection it held is cut at once, nothing is handed over. */
    void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("pgbouncer did not die on SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** Starts it again, on the same port, after {@link #kill()}. */
    void startAgain() {
        if (process.isAlive()) {
            throw new IllegalStateException("pgbouncer is still running");
        }
        startProcess();
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(10, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
        try {
            Files.deleteIfExists(config.resolveSibling("userlist.txt"));
            Files.deleteIfExists(config);
            Files.deleteIfExists(config.getParent());
        } catch (IOException e) {
            // a temporary directory left behind
        }
    }

    private void startProcess() {
        List<String> command = new ArrayList<>(List.of(executable.toString()));
        if ("root".equals(System.getProperty("user.name"))) {
            command.addAll(List.of("-u", "nobody")); // it will not run as root
        }
        command.add(config.toString());
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + executable, e);
        }
        // Up when a query reaches PostgreSQL through it.
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .ignoreException(SQLException.class).until(() -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("pgbouncer exited with " + process.exitValue() + ", see " + log);
            }
            try (Connection c = DriverManager.getConnection(jdbcUrl(db.name()), db.user(),
                    db.password() == null ? "" : db.password()); Statement st = c.createStatement()) {
                return st.execute("SELECT 1");
            }
        });
    }

    private static Path executable() {
        Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .filter(d -> !d.isBlank()).map(d -> Path.of(d, "pgbouncer"));
        return Stream.concat(onPath, KNOWN.stream()).filter(Files::isExecutable).findFirst()
                .orElseThrow(() -> new IllegalStateException("pgbouncer is not installed (neither on PATH nor in "
                        + "/usr/sbin): the PgBouncer scenarios need it; on Debian/Ubuntu `apt-get install pgbouncer` "
                        + "(.ci/run does so)"));
    }

    private static Path write(Path file, String content) throws IOException {
        Files.writeString(file, content);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
        return file;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
