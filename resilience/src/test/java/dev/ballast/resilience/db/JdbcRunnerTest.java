package dev.ballast.resilience.db;

import dev.ballast.resilience.db.DbFailureClassifier.Kind;
import dev.ballast.resilience.db.DbRetry.Policy;
import dev.ballast.resilience.db.DbRetry.Retry;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.postgresql.ds.PGSimpleDataSource;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@link JdbcRunner} against real PostgreSQL, through a fault proxy that cuts and restores it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class JdbcRunnerTest {

    private TestDatabase db;
    private FaultProxy proxy;
    private final List<Retry> retries = new CopyOnWriteArrayList<>();
    private JdbcRunner jdbc;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        db.execute("CREATE TABLE seen (id int PRIMARY KEY)");
        PGSimpleDataSource dataSource = new PGSimpleDataSource();
        dataSource.setURL(db.jdbcUrlThrough(proxy.port()));
        dataSource.setUser(db.user());
        dataSource.setPassword(db.password());
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), new SimpleMeterRegistry()).onRetry(r -> {
            retries.add(r);
            proxy.restore();
        });
        jdbc = new JdbcRunner(dataSource, null, retry, null);
    }

    @AfterAll
    void stop() {
        proxy.close();
        db.close();
    }

    @BeforeEach
    void cleanSlate() {
        proxy.restore();
        retries.clear();
        db.execute("TRUNCATE seen");
    }

    @Test
    void aStatementThatCannotConnectIsRetriedOnAFreshConnectionAndItsRowsRead() {
        db.execute("INSERT INTO seen VALUES (1), (2)");
        proxy.cut();

        List<Integer> ids = jdbc.list("read-seen", "SELECT id FROM seen WHERE id >= ? ORDER BY id",
                st -> st.setInt(1, 1), rs -> rs.getInt(1));

        assertThat(ids).containsExactly(1, 2);
        assertThat(retries).singleElement().satisfies(r -> {
            assertThat(r.operation()).isEqualTo("read-seen");
            assertThat(r.kind()).isEqualTo(Kind.TRANSIENT);
        });
    }

    @Test
    void aStatementThatFailsForGoodIsNotRetriedAndKeepsItsSqlStateUnderneath() {
        StatementFailedException e = catchThrowableOfType(StatementFailedException.class,
                () -> jdbc.update("insert-nowhere", "INSERT INTO nowhere VALUES (?)", st -> st.setInt(1, 1)));

        assertThat(e.operation()).isEqualTo("insert-nowhere");
        assertThat(e.sqlState()).isEqualTo("42P01");
        assertThat(DbFailureClassifier.sqlState(e)).isEqualTo("42P01");
        assertThat(e.getMessage()).as("no SQL text").isEqualTo("insert-nowhere failed: sqlstate=42P01");
        assertThat(retries).isEmpty();
    }

    @Test
    void aDuplicateKeyIsTheDedupeSignalAndNeverRetried() {
        jdbc.update("insert-seen", "INSERT INTO seen VALUES (?)", st -> st.setInt(1, 7));

        StatementFailedException e = catchThrowableOfType(StatementFailedException.class,
                () -> jdbc.update("insert-seen", "INSERT INTO seen VALUES (?)", st -> st.setInt(1, 7)));

        assertThat(DbFailureClassifier.classify(e)).isEqualTo(Kind.UNIQUE_VIOLATION);
        assertThat(retries).isEmpty();
        assertThat(db.count("SELECT count(*) FROM seen")).isEqualTo(1);
    }
}
