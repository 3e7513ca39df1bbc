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
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The one PostgreSQL server of a run (embedded PostgreSQL 17), a database per contender. fsync and synchronous
 * commit are off, the same for every contender: the bench compares queue mechanics, not the disk.
 */
final class BenchPostgres implements AutoCloseable {

    private final EmbeddedPostgres pg;

    private BenchPostgres(EmbeddedPostgres pg) {
        this.pg = pg;
    }

    static BenchPostgres start(boolean statementStats) throws IOException {
        EmbeddedPostgres.Builder b = EmbeddedPostgres.builder()
                .setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "off")
                .setServerConfig("synchronous_commit", "off")
                .setServerConfig("shared_buffers", "256MB");
        if (statementStats) {
            b.setServerConfig("shared_preload_libraries", "pg_stat_statements");
        }
        // Diagnostics, e.g. auto_explain: BENCH_PG_CONFIG="shared_preload_libraries=auto_explain;auto_explain.log_min_duration=5ms"
        for (String pair : System.getenv().getOrDefault("BENCH_PG_CONFIG", "").split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                b.setServerConfig(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
            }
        }
        return new BenchPostgres(b.start());
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
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + name);
        }
        return name;
    }

    /** Refreshes the planner statistics of {@code database}, as autovacuum does in a database that has run a while. */
    void analyze(String database) throws SQLException {
        try (Connection c = DriverManager.getConnection(jdbcUrl(database), user(), "");
             Statement st = c.createStatement()) {
            st.execute("ANALYZE");
        }
    }

    /** Per table of {@code database}: how many times autovacuum has analyzed it and vacuumed it so far. */
    Map<String, String> autovacuumRuns(String database) throws SQLException {
        Map<String, String> out = new TreeMap<>();
        try (Connection c = DriverManager.getConnection(jdbcUrl(database), user(), "");
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT schemaname || '.' || relname, autoanalyze_count, autovacuum_count"
                     + " FROM pg_stat_user_tables")) {
            while (rs.next()) {
                out.put(rs.getString(1), "analyze " + rs.getLong(2) + ", vacuum " + rs.getLong(3));
            }
        }
        return out;
    }

    /** Forgets the statement statistics gathered so far (needs {@code start(true)}). */
    void resetStatementStats() throws SQLException {
        try (Connection c = admin(); Statement st = c.createStatement()) {
            st.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
            st.execute("SELECT pg_stat_statements_reset()");
        }
    }

    /** The statements run on {@code database} since the last reset, most total time first. */
    List<String> statementStats(String database, int top) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Connection c = admin(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("""
                     SELECT s.calls, s.rows, round(s.total_exec_time::numeric, 1), round(s.mean_exec_time::numeric, 3),
                            regexp_replace(left(s.query, 160), '\\s+', ' ', 'g')
                     FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
                     WHERE d.datname = '%s'
                     ORDER BY s.total_exec_time DESC LIMIT %d""".formatted(database, top))) {
            while (rs.next()) {
                out.add(String.format(Locale.ROOT, "calls %6d rows %7d total %8s ms mean %7s ms  %s",
                        rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4), rs.getString(5)));
            }
        }
        return out;
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
