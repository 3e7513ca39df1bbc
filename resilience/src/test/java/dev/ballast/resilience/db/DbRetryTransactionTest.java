package dev.ballast.resilience.db;

import dev.ballast.resilience.JitterAtTheCeiling;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.resilience.db.DbFailureClassifier.Kind;
import dev.ballast.resilience.db.DbRetry.Policy;
import dev.ballast.resilience.db.DbRetry.Retry;
import dev.ballast.resilience.db.DbUnavailableException.Reason;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.type.Argument;
import io.micronaut.jdbc.DataSourceResolver;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import io.micronaut.transaction.support.DefaultTransactionDefinition;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link DbRetry#transaction} with Micronaut's JDBC transaction manager and a Hikari pool that reaches real
 * PostgreSQL through a fault proxy.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DbRetryTransactionTest {

    private TestDatabase db;
    private FaultProxy proxy;
    private ApplicationContext context;
    private TransactionOperations<Connection> tx;
    private HikariDataSource pool;
    private SimpleMeterRegistry meters;

    @BeforeAll
    @SuppressWarnings("unchecked")
    void start() throws SQLException {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE seen (id int PRIMARY KEY, note text NOT NULL)");
            st.execute("CREATE TABLE account (id int PRIMARY KEY, v int NOT NULL)");
        }
        Map<String, Object> props = new HashMap<>(db.datasourceProperties(db.jdbcUrlThrough(proxy.port())));
        props.put("datasources.default.maximum-pool-size", 4);
        props.put("datasources.default.minimum-idle", 0);
        // Fail fast while the proxy is cut: Hikari's smallest acquisition timeout.
        props.put("datasources.default.connection-timeout", 250);
        props.put("datasources.default.validation-timeout", 250);
        props.put("datasources.default.initialization-fail-timeout", -1);
        context = ApplicationContext.run(props);
        tx = context.getBean(Argument.of(TransactionOperations.class, Connection.class));
        DataSource dataSource = context.findBean(DataSourceResolver.class).orElse(DataSourceResolver.DEFAULT)
                .resolve(context.getBean(DataSource.class));
        pool = dataSource.unwrap(HikariDataSource.class);
    }

    @AfterAll
    void stop() {
        context.close();
        proxy.close();
        db.close();
    }

    @BeforeEach
    void cleanSlate() throws SQLException {
        proxy.restore();
        // Connections that lived through an earlier cut are dead; no test should start on one.
        pool.getHikariPoolMXBean().softEvictConnections();
        // Two live connections up front, so that no test's attempt count depends on how fast a busy machine
        // opens one within the 250 ms acquisition timeout.
        Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Connection a = pool.getConnection(); Connection b = pool.getConnection()) {
                return a.isValid(1) && b.isValid(1);
            }
        });
        meters = new SimpleMeterRegistry();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE seen, account");
            st.execute("INSERT INTO account VALUES (1, 0), (2, 0)");
        }
    }

    @ParameterizedTest(name = "max-retries={0}")
    @ValueSource(ints = {0, 2})
    void aCutDatabaseIsRetriedExactlyAsConfiguredThenReportedUnavailable(int maxRetries) throws SQLException {
        proxy.cut();
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(Policy.of(maxRetries, 20, 100), meters).onRetry(retries::add);

        DbUnavailableException failure = catchThrowableOfType(DbUnavailableException.class,
                () -> retry.transaction("store-seen", tx, status -> insertSeen(status.getConnection(), 1)));

        assertThat((Object) failure).isNotNull();
        assertThat(failure.attempts()).isEqualTo(maxRetries + 1);
        assertThat(failure.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
        assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.TRANSIENT);
        assertThat(retries).hasSize(maxRetries).allSatisfy(r -> {
            assertThat(r.kind()).isEqualTo(Kind.TRANSIENT);
            assertThat(r.unit()).isEqualTo(DbRetry.Unit.TRANSACTION);
        });
        assertThat(meters.get("ballast.db.retry.attempts").tags("unit", "transaction", "outcome", "transient")
                .counter().count()).isEqualTo(maxRetries + 1);
        proxy.restore();
        assertThat(storedSeen()).isEmpty();
    }

    @Test
    void aDatabaseRestoredDuringTheBackoffCommitsTheTransactionOnce() throws Exception {
        proxy.cut();
        CountDownLatch backingOff = new CountDownLatch(1);
        List<Retry> retries = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        DbRetry retry = new DbRetry(Policy.of(3, 1_000, 1_000), meters)
                .withRandom(JitterAtTheCeiling.INSTANCE)
                .onRetry(retries::add)
                .onRetry(r -> backingOff.countDown());

        try (ExecutorService thread = Executors.newSingleThreadExecutor()) {
            Future<Integer> stored = thread.submit(() -> retry.transaction("store-seen", tx, status -> {
                calls.incrementAndGet();
                return insertSeen(status.getConnection(), 7);
            }));
            assertThat(backingOff.await(10, TimeUnit.SECONDS)).isTrue();
            proxy.restore();

            assertThat(stored.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(retries).hasSize(1).first().satisfies(r -> assertThat(r.kind()).isEqualTo(Kind.TRANSIENT));
        // The first attempt fails on taking a connection or, with a pooled one that died in the cut, on its insert.
        assertThat(calls.get()).isBetween(1, 2);
        assertThat(storedSeen()).containsExactly(7);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "INSERT INTO seen (id, note) VALUES (1, 'again')  | 23505 | UNIQUE_VIOLATION",
            "SELEC id FROM seen                                | 42601 | PERMANENT"
    })
    void aFailureTheDatabaseAnsweredIsAttemptedOnceAndComesBackUnchanged(String sql, String sqlState, Kind kind)
            throws SQLException {
        try (Connection c = db.connect()) {
            insertSeen(c, 1);
        }
        AtomicInteger calls = new AtomicInteger();
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), meters).onRetry(retries::add);

        Throwable failure = catchThrowable(() -> retry.transaction("answered", tx, status -> {
            calls.incrementAndGet();
            insertSeen(status.getConnection(), 2);
            try (Statement st = status.getConnection().createStatement()) {
                return st.execute(sql);
            }
        }));

        assertThat(calls).hasValue(1);
        assertThat(retries).isEmpty();
        assertThat(failure).isInstanceOf(SQLException.class);
        assertThat(((SQLException) failure).getSQLState()).isEqualTo(sqlState);
        assertThat(DbFailureClassifier.classify(failure)).isEqualTo(kind);
        assertThat(storedSeen()).as("the transaction rolled back").containsExactly(1);
    }

    @Test
    void aSerializationFailureRetriesTheWholeTransaction() throws SQLException {
        AtomicInteger calls = new AtomicInteger();
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), meters).onRetry(retries::add);

        int updated = retry.transaction("bump-account", tx, repeatableRead(), status -> {
            Connection c = status.getConnection();
            try (Statement st = c.createStatement()) {
                st.executeQuery("SELECT v FROM account WHERE id = 1").close();
                if (calls.incrementAndGet() == 1) {
                    bumpAccountElsewhere(1);
                }
                return st.executeUpdate("UPDATE account SET v = v + 1 WHERE id = 1");
            }
        });

        assertThat(updated).isEqualTo(1);
        assertThat(calls).hasValue(2);
        assertThat(retries).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(Kind.RETRY_TRANSACTION);
            assertThat(r.sqlState()).isEqualTo("40001");
        });
        assertThat(accountValue(1)).isEqualTo(101);
    }

    @Test
    void contentionThatOutlastsTheRetriesComesBackAsPostgresReportedIt() throws SQLException {
        AtomicInteger calls = new AtomicInteger();
        DbRetry retry = new DbRetry(Policy.of(2, 20, 100), meters);

        Throwable failure = catchThrowable(() -> retry.transaction("bump-account", tx, repeatableRead(), status -> {
            calls.incrementAndGet();
            try (Statement st = status.getConnection().createStatement()) {
                st.executeQuery("SELECT v FROM account WHERE id = 1").close();
                bumpAccountElsewhere(1);
                return st.executeUpdate("UPDATE account SET v = v + 1 WHERE id = 1");
            }
        }));

        assertThat(calls).hasValue(3);
        assertThat(failure).isInstanceOf(SQLException.class).isNotInstanceOf(DbUnavailableException.class);
        assertThat(((SQLException) failure).getSQLState()).isEqualTo("40001");
        assertThat(meters.get("ballast.db.retry.giveups").tags("kind", "retry_transaction", "reason", "retries_exhausted")
                .counter().count()).isEqualTo(1);
        assertThat(accountValue(1)).isEqualTo(300);
    }

    @Test
    void aDeadlockVictimIsRetriedAndBothTransactionsCommit() throws Exception {
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), meters).onRetry(retries::add);
        CyclicBarrier bothHoldTheirFirstRow = new CyclicBarrier(2);

        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            Future<?> oneThenTwo = threads.submit(() -> transfer(retry, 1, 2, bothHoldTheirFirstRow));
            Future<?> twoThenOne = threads.submit(() -> transfer(retry, 2, 1, bothHoldTheirFirstRow));
            oneThenTwo.get(30, TimeUnit.SECONDS);
            twoThenOne.get(30, TimeUnit.SECONDS);
        }

        assertThat(retries).singleElement().satisfies(r -> {
            assertThat(r.kind()).isEqualTo(Kind.RETRY_TRANSACTION);
            assertThat(r.sqlState()).isEqualTo("40P01");
        });
        assertThat(accountValue(1)).isEqualTo(2);
        assertThat(accountValue(2)).isEqualTo(2);
    }

    @Test
    void aConnectionLostDuringCommitIsNotRerunBecauseItsOutcomeIsUnknown() {
        AtomicInteger calls = new AtomicInteger();
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), meters).onRetry(retries::add);

        DbUnavailableException failure = catchThrowableOfType(DbUnavailableException.class,
                () -> retry.transaction("store-seen", tx, status -> {
                    calls.incrementAndGet();
                    int inserted = insertSeen(status.getConnection(), 1);
                    proxy.cut();
                    return inserted;
                }));

        assertThat((Object) failure).isNotNull();
        assertThat(failure.reason()).isEqualTo(Reason.COMMIT_OUTCOME_UNKNOWN);
        assertThat(failure.commitOutcomeUnknown()).isTrue();
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(calls).hasValue(1);
        assertThat(retries).isEmpty();
    }

    @Test
    void aTransactionJoinedIntoAnOpenOneIsNotRetriedOnItsOwnButTheOuterUnitIs() throws SQLException {
        AtomicInteger outerCalls = new AtomicInteger();
        AtomicInteger innerCalls = new AtomicInteger();
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), meters)
                .onRetry(retries::add)
                .onRetry(r -> proxy.restore());

        int stored = retry.transaction("store-seen", tx, outer -> {
            outerCalls.incrementAndGet();
            return retry.transaction("store-seen-inner", tx, inner -> {
                if (innerCalls.incrementAndGet() == 1) {
                    proxy.cut();
                }
                return insertSeen(inner.getConnection(), 3);
            });
        });

        assertThat(stored).isEqualTo(1);
        // A pooled connection that died in the cut may cost the outer unit one more retry; whatever the count, the
        // inner transaction ran once per outer attempt and never retried on its own.
        assertThat(retries).isNotEmpty().allSatisfy(r -> {
            assertThat(r.operation()).isEqualTo("store-seen");
            assertThat(r.kind()).isEqualTo(Kind.TRANSIENT);
        });
        // The query's own failure, not the SQLState-less "Connection is closed" of the clean-up after it.
        assertThat(retries.getFirst().sqlState()).isEqualTo("08006");
        assertThat(outerCalls).hasValue(retries.size() + 1);
        assertThat(innerCalls).hasValue(outerCalls.get());
        assertThat(meters.get("ballast.db.retry.attempts")
                .tags("operation", "store-seen-inner", "unit", "joined_transaction", "outcome", "transient")
                .counter().count()).isEqualTo(retries.size());
        assertThat(storedSeen()).containsExactly(3);
    }

    @Test
    void onlyPropagationsThatStartAWholeTransactionAreAccepted() {
        DbRetry retry = new DbRetry(Policy.DEFAULT, meters);
        assertThatThrownBy(() -> retry.transaction("x", tx,
                TransactionDefinition.of(TransactionDefinition.Propagation.MANDATORY), status -> 1))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> retry.transaction("store seen for lead 42", tx, status -> 1))
                .isInstanceOf(IllegalArgumentException.class);
        Integer one = retry.transaction("x", tx,
                TransactionDefinition.of(TransactionDefinition.Propagation.REQUIRES_NEW), status -> 1);
        assertThat(one).isEqualTo(1);
    }

    private void transfer(DbRetry retry, int first, int second, CyclicBarrier barrier) {
        AtomicInteger attempts = new AtomicInteger();
        retry.transaction("transfer", tx, status -> {
            try (PreparedStatement ps = status.getConnection().prepareStatement("UPDATE account SET v = v + 1 WHERE id = ?")) {
                ps.setInt(1, first);
                ps.executeUpdate();
                if (attempts.incrementAndGet() == 1) {
                    barrier.await(10, TimeUnit.SECONDS);
                }
                ps.setInt(1, second);
                return ps.executeUpdate();
            }
        });
    }

    private static TransactionDefinition repeatableRead() {
        DefaultTransactionDefinition definition = new DefaultTransactionDefinition();
        definition.setIsolationLevel(TransactionDefinition.Isolation.REPEATABLE_READ);
        return definition;
    }

    private static int insertSeen(Connection c, int id) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO seen (id, note) VALUES (?, 'n')")) {
            ps.setInt(1, id);
            return ps.executeUpdate();
        }
    }

    private void bumpAccountElsewhere(int id) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("UPDATE account SET v = v + 100 WHERE id = ?")) {
            ps.setInt(1, id);
            ps.executeUpdate();
        }
    }

    private int accountValue(int id) throws SQLException {
        try (Connection c = db.connect(); PreparedStatement ps = c.prepareStatement("SELECT v FROM account WHERE id = ?")) {
            ps.setInt(1, id);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                return rs.getInt(1);
            }
        }
    }

    private List<Integer> storedSeen() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT id FROM seen ORDER BY id")) {
            List<Integer> ids = new java.util.ArrayList<>();
            while (rs.next()) {
                ids.add(rs.getInt(1));
            }
            return ids;
        }
    }
}
