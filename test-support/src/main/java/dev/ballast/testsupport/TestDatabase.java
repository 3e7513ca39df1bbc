package dev.ballast.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A database of its own for one test class, on the JVM's test PostgreSQL server. */
public final class TestDatabase implements AutoCloseable {

    private final TestPostgres.Server server;
    private final String name;

    TestDatabase(TestPostgres.Server server, String name) {
        this.server = server;
        this.name = name;
    }

    public String name() {
        return name;
    }

    public String host() {
        return server.host();
    }

    public int port() {
        return server.port();
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    public String jdbcUrl() {
        return server.jdbcUrl(name);
    }

    /** The same database reached through another local port, e.g. a {@link FaultProxy}. */
    public String jdbcUrlThrough(int localPort) {
        return "jdbc:postgresql://127.0.0.1:" + localPort + "/" + name;
    }

    public Connection connect() throws SQLException {
        return DriverManager.getConnection(jdbcUrl(), user(), password());
    }

    /** Runs one statement on a connection of its own; the rows it returns (none for an update), columns by label. */
    public List<Map<String, Object>> query(String sql, Object... params) {
        try (Connection c = connect(); PreparedStatement st = c.prepareStatement(sql)) {
            for (int i = 0; i < params.length; i++) {
                st.setObject(i + 1, params[i]);
            }
            if (!st.execute()) {
                return List.of();
            }
            try (ResultSet rs = st.getResultSet()) {
                List<Map<String, Object>> rows = new ArrayList<>();
                int columns = rs.getMetaData().getColumnCount();
                while (rs.next()) {
                    Map<String, Object> row = new LinkedHashMap<>();
                    for (int i = 1; i <= columns; i++) {
                        row.put(rs.getMetaData().getColumnLabel(i), rs.getObject(i));
                    }
                    rows.add(row);
                }
                return rows;
            }
        } catch (SQLException e) {
            throw new IllegalStateException(sql, e);
        }
    }

    /** The first column of the one row {@code sql} returns; fails unless there is exactly one. */
    public Object queryOne(String sql, Object... params) {
        List<Map<String, Object>> rows = query(sql, params);
        if (rows.size() != 1) {
            throw new IllegalStateException("expected one row, got " + rows.size() + ": " + sql);
        }
        return rows.getFirst().values().iterator().next();
    }

    public long count(String sql, Object... params) {
        return ((Number) queryOne(sql, params)).longValue();
    }

    public void execute(String sql, Object... params) {
        query(sql, params);
    }

    /** Micronaut properties pointing the default datasource at this database. */
    public Map<String, String> datasourceProperties() {
        return datasourceProperties(jdbcUrl());
    }

    /** Micronaut properties pointing the default datasource at this database through the given URL. */
    public Map<String, String> datasourceProperties(String url) {
        Map<String, String> p = new LinkedHashMap<>();
        p.put("datasources.default.url", url);
        p.put("datasources.default.username", user());
        p.put("datasources.default.password", password());
        return p;
    }

    /** Drops the database, cutting whatever sessions still use it. */
    @Override
    public void close() {
        try (Connection c = server.adminConnection(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
        } catch (SQLException e) {
            throw new IllegalStateException("cannot drop test database " + name, e);
        }
    }
}
