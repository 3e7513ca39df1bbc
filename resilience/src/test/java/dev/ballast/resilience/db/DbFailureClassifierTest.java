package dev.ballast.resilience.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.resilience.db.DbFailureClassifier.Kind;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.sql.Statement;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DbFailureClassifierTest {

    private TestDatabase db;

    @BeforeAll
    void createTable() throws SQLException {
        db = TestPostgres.freshDatabase();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE t (id int PRIMARY KEY)");
            st.execute("INSERT INTO t VALUES (1)");
        }
    }

    @AfterAll
    void drop() {
        db.close();
    }

    @ParameterizedTest(name = "SQLState {0} is {1}")
    @CsvSource({
            "08000, TRANSIENT", "08001, TRANSIENT", "08003, TRANSIENT", "08006, TRANSIENT",
            "57P01, TRANSIENT", "57P02, TRANSIENT", "57P03, TRANSIENT", "53300, TRANSIENT",
            "40001, RETRY_TRANSACTION", "40P01, RETRY_TRANSACTION",
            "23505, UNIQUE_VIOLATION",
            "23503, PERMANENT", "42601, PERMANENT", "57014, PERMANENT", "28P01, PERMANENT", "53200, PERMANENT"
    })
    void sqlStatesFallIntoTheirDesignedClass(String state, Kind expected) {
        assertThat(DbFailureClassifier.classify(new SQLException("x", state))).isEqualTo(expected);
        RuntimeException wrapped = new RuntimeException("data access", new IllegalStateException(new SQLException("x", state)));
        assertThat(DbFailureClassifier.classify(wrapped)).isEqualTo(expected);
    }

    @Test
    void aUniqueViolationFromPostgresIsTheDedupeSignal() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            Throwable failure = catchThrowable(() -> st.execute("INSERT INTO t VALUES (1)"));
            assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.UNIQUE_VIOLATION);
        }
    }

    @Test
    void aSyntaxErrorFromPostgresIsPermanent() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            Throwable failure = catchThrowable(() -> st.execute("SELEC 1"));
            assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.PERMANENT);
        }
    }

    @Test
    void aTerminatedBackendIsTransient() throws SQLException {
        try (Connection victim = db.connect(); Connection admin = db.connect();
             Statement st = admin.createStatement()) {
            int pid = victim.unwrap(org.postgresql.PGConnection.class).getBackendPID();
            st.execute("SELECT pg_terminate_backend(" + pid + ")");
            Throwable failure = catchThrowable(() -> victim.createStatement().execute("SELECT 1"));
            assertThat(failure).isNotNull();
            assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.TRANSIENT);
        }
    }

    @Test
    void aRefusedConnectionIsTransient() {
        try (FaultProxy proxy = FaultProxy.in(db)) {
            proxy.cut();
            Throwable failure = catchThrowable(() ->
                    DriverManager.getConnection(db.jdbcUrlThrough(proxy.port()), db.user(), db.password()));
            assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.TRANSIENT);
        }
    }

    @Test
    void aConnectionDroppedMidSessionIsTransient() throws SQLException {
        try (FaultProxy proxy = FaultProxy.in(db)) {
            Properties props = new Properties();
            props.setProperty("user", db.user());
            props.setProperty("password", db.password());
            try (Connection c = DriverManager.getConnection(db.jdbcUrlThrough(proxy.port()), props)) {
                proxy.cut();
                Throwable failure = catchThrowable(() -> c.createStatement().execute("SELECT 1"));
                assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.TRANSIENT);
                Throwable closed = catchThrowable(() -> c.createStatement().execute("SELECT 1"));
                assertThat(DbFailureClassifier.classify(closed)).isEqualTo(Kind.TRANSIENT);
            }
        }
    }

    @Test
    void aPooledConnectionHikariMarkedBrokenStaysTransientOnItsNextUse() throws SQLException {
        try (FaultProxy proxy = FaultProxy.in(db)) {
            HikariConfig config = new HikariConfig();
            config.setJdbcUrl(db.jdbcUrlThrough(proxy.port()));
            config.setUsername(db.user());
            config.setPassword(db.password());
            config.setMaximumPoolSize(1);
            try (HikariDataSource pool = new HikariDataSource(config); Connection c = pool.getConnection()) {
                c.setAutoCommit(false);
                proxy.cut();
                Throwable lost = catchThrowable(() -> c.createStatement().execute("SELECT 1"));
                assertThat(DbFailureClassifier.classify(lost)).isEqualTo(Kind.TRANSIENT);
                // What Micronaut's transaction clean-up runs next, and throws in place of the failure above.
                Throwable cleanup = catchThrowable(() -> c.setAutoCommit(true));
                assertThat(cleanup).isInstanceOf(SQLException.class).hasMessage("Connection is closed");
                assertThat(((SQLException) cleanup).getSQLState()).isNull();
                assertThat(DbFailureClassifier.classify(cleanup)).isEqualTo(Kind.TRANSIENT);
            }
        }
    }

    @Test
    void hikarisAcquisitionTimeoutIsTransient() {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(db.jdbcUrl());
        config.setUsername(db.user());
        config.setPassword(db.password());
        config.setMaximumPoolSize(1);
        config.setConnectionTimeout(250);
        try (HikariDataSource pool = new HikariDataSource(config); Connection held = pool.getConnection()) {
            Throwable failure = catchThrowable(pool::getConnection);
            assertThat(failure).isInstanceOf(SQLTransientConnectionException.class);
            assertThat(held.isValid(1)).isTrue();
            assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.TRANSIENT);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void networkExceptionsWithoutSqlStateAreTransientAndOthersPermanent() {
        assertThat(DbFailureClassifier.classify(new UncheckedIOException(new ConnectException("refused"))))
                .isEqualTo(Kind.TRANSIENT);
        assertThat(DbFailureClassifier.classify(new IllegalArgumentException("bad"))).isEqualTo(Kind.PERMANENT);
    }

    @Test
    void aUniqueViolationDeepInAChainWinsOverAnOuterTransientLookingWrapper() {
        SQLException unique = new SQLException("dup", "23505");
        SQLException outer = new SQLException("batch failed", "08006", unique);
        assertThat(DbFailureClassifier.classify(outer)).isEqualTo(Kind.UNIQUE_VIOLATION);
    }

    @Test
    void aSelfReferencingChainTerminates() {
        SQLException a = new SQLException("a", "42000");
        SQLException b = new SQLException("b", "42000", a);
        a.initCause(b);
        assertThat(DbFailureClassifier.classify(a)).isEqualTo(Kind.PERMANENT);
    }

    @Test
    void aFailureReportedAsTheNextExceptionOfABatchCountsLikeACause() {
        BatchUpdateException lost = new BatchUpdateException("batch entry 0 failed", null, 0, new int[0]);
        lost.setNextException(new SQLException("connection lost", "08006"));
        assertThat(DbFailureClassifier.classify(lost)).isEqualTo(Kind.TRANSIENT);

        BatchUpdateException duplicate = new BatchUpdateException("batch entry 3 failed", null, 0, new int[0]);
        duplicate.setNextException(new SQLException("duplicate key", "23505"));
        assertThat(DbFailureClassifier.classify(duplicate)).isEqualTo(Kind.UNIQUE_VIOLATION);
    }

    @Test
    void aPermanentNextExceptionNeitherHidesATransientFailureNorInventsOne() {
        SQLException transientOuter = new SQLException("connection lost", "08006");
        transientOuter.setNextException(new SQLException("syntax", "42601"));
        assertThat(DbFailureClassifier.classify(transientOuter)).isEqualTo(Kind.TRANSIENT);

        SQLException permanentOuter = new SQLException("bad value", "22001");
        permanentOuter.setNextException(new SQLException("syntax", "42601"));
        assertThat(DbFailureClassifier.classify(permanentOuter)).isEqualTo(Kind.PERMANENT);
    }

    @Test
    void theSqlStateIsTheNearestOneInTheChain() {
        SQLException deep = new SQLException("lost", "08006");
        assertThat(DbFailureClassifier.sqlState(new IllegalStateException(new SQLException("no state", (String) null, deep))))
                .isEqualTo("08006");
        assertThat(DbFailureClassifier.sqlState(new SQLException("outer", "23505", deep))).isEqualTo("23505");
        assertThat(DbFailureClassifier.sqlState(new IllegalStateException("no database here"))).isNull();
        SQLException a = new SQLException("a", (String) null);
        SQLException b = new SQLException("b", (String) null, a);
        a.initCause(b);
        assertThat(DbFailureClassifier.sqlState(a)).isNull();
    }
}
