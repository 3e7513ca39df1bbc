package dev.ballast.bench.jobs;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * The one PostgreSQL server of a run (embedded PostgreSQL 17), a database per contender. fsync and synchronous
 * commit are off, the same for every contender: the bench compares queue mechanics, not the disk.
 */
final class BenchPostgres implements AutoCloseable {

    private final EmbeddedPostgres pg;

    private BenchPostgres(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    static BenchPostgres start() throws IOException {
        return new BenchPostgres(EmbeddedPostgres.builder()
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("shared_buffers", "256MB")
                .start());
    }

    String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + pg.getPort() + "/" + database;
    }

    String user() {
        return "postgres";
    }

    String version() throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SHOW server_version")) {
            rs.next();
            return rs.getString(1);
        }
    }

    /** A new empty database. */
    String createDatabase(String name) throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name);
            st.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    /** Writes out what the previous contender left dirty, so it does not land in the next one's run. */
    void checkpoint() throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("CHECKPOINT");
        }
    }

    /** A pool on {@code database}, the same shape for every contender that takes a DataSource. */
    HikariDataSource pool(String database, String poolName, int size) {
        HikariConfig cfg = new HikariConfig();
        cfg.setJdbcUrl(jdbcUrl(database));
        cfg.setUsername(user());
        cfg.setPassword("");
        cfg.setPoolName(poolName);
        cfg.setMaximumPoolSize(size);
        cfg.setMinimumIdle(size);
        return new HikariDataSource(cfg);
    }

    private Connection admin() throws SQLException {
        return DriverManager.getConnection(jdbcUrl("postgres"), user(), "");
    }

    @Override
    public void close() throws IOException {
        pg.close();
    }
}
