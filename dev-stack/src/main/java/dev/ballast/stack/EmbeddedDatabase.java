package dev.ballast.stack;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * PostgreSQL from the zonky Maven artifact, with its data kept in {@code .stack/pg/data} across runs and its
 * server log in {@code .stack/logs/postgres.log}.
 */
final class EmbeddedDatabase implements AutoCloseable {

    // First start includes unpacking the binaries and initdb.
    private static final Duration STARTUP_WAIT = Duration.ofSeconds(60);

    private final EmbeddedPostgres postgres;
    private final ProcessRecord postmaster;
    private final DbConnection connection;

    private EmbeddedDatabase(EmbeddedPostgres postgres, ProcessRecord postmaster, DbConnection connection) {
        this.postgres = postgres;
        this.postmaster = postmaster;
        this.connection = connection;
    }

    static EmbeddedDatabase start(StackPaths paths, int port) {
        try {
            Files.createDirectories(paths.pgData());
            Files.createDirectories(paths.logs());
            File log = paths.log("postgres").toFile();
            EmbeddedPostgres postgres = EmbeddedPostgres.builder()
                    .setDataDirectory(paths.pgData())
                    .setCleanDataDirectory(false)
                    .setPort(port)
                    .setPGStartupWait(STARTUP_WAIT)
                    .setOutputRedirector(ProcessBuilder.Redirect.appendTo(log))
                    .setErrorRedirector(ProcessBuilder.Redirect.appendTo(log))
                    .start();
            ProcessRecord postmaster = postmasterOf(paths.pgData());
            DbConnection connection = new DbConnection(
                    "jdbc:postgresql://localhost:" + port + "/postgres", "postgres", "", true);
            return new EmbeddedDatabase(postgres, postmaster, connection);
        } catch (IOException | RuntimeException e) {
            throw new StackException("embedded PostgreSQL did not start: " + e.getMessage()
                    + " (see " + paths.show(paths.log("postgres")) + ")", e);
        }
    }

    DbConnection connection() {
        return connection;
    }

    ProcessRecord postmaster() {
        return postmaster;
    }

    /** Fast shutdown through pg_ctl; waits for it. */
    @Override
    public void close() throws IOException {
        postgres.close();
    }

    // pg_ctl detaches the postmaster; its pid is the first line of postmaster.pid.
    private static ProcessRecord postmasterOf(Path dataDir) throws IOException {
        String firstLine = Files.readAllLines(dataDir.resolve("postmaster.pid")).getFirst().trim();
        long pid = Long.parseLong(firstLine);
        return ProcessHandle.of(pid).map(ProcessRecord::of).orElse(new ProcessRecord(pid, 0));
    }
}
