package dev.ballast.testsupport;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.LinkedHashMap;
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
