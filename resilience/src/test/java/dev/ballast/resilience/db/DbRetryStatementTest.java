package dev.ballast.resilience.db;

import dev.ballast.resilience.JitterAtTheCeiling;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.ballast.resilience.db.DbFailureClassifier.Kind;
import dev.ballast.resilience.db.DbRetry.Policy;
import dev.ballast.resilience.db.DbRetry.Retry;
import dev.ballast.resilience.db.DbUnavailableException.Reason;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/** {@link DbRetry#statement} against real PostgreSQL, through a fault proxy that cuts and restores it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DbRetryStatementTest {

    private static final String SECRET_NOTE = "ballast-secret-note";

    private TestDatabase db;
    private FaultProxy proxy;
    private SimpleMeterRegistry meters;

    @BeforeAll
    void createSchema() throws SQLException {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE seen (id int PRIMARY KEY, note text NOT NULL)");
            st.execute("CREATE TABLE counter (id int PRIMARY KEY, v int NOT NULL)");
        }
    }

    @AfterAll
    void dropSchema() {
        proxy.close();
        db.close();
    }

    @BeforeEach
    void cleanSlate() throws SQLException {
        proxy.restore();
        meters = new SimpleMeterRegistry();
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("TRUNCATE seen, counter");
            st.execute("INSERT INTO counter VALUES (1, 0)");
        }
    }

    @ParameterizedTest(name = "max-retries={0}")
    @ValueSource(ints = {0, 1, 3})
    void aCutDatabaseIsRetriedExactlyAsConfiguredThenReportedUnavailable(int maxRetries) {
        proxy.cut();
        Policy policy = Policy.of(maxRetries, 20, 100);
        AtomicInteger calls = new AtomicInteger();
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(policy, meters).onRetry(retries::add);

        DbUnavailableException failure = catchThrowableOfType(DbUnavailableException.class,
                () -> retry.statement("insert-seen", () -> {
                    calls.incrementAndGet();
                    return insertSeen(1);
                }));

        assertThat((Object) failure).isNotNull();
        assertThat(calls).hasValue(maxRetries + 1);
        assertThat(failure.attempts()).isEqualTo(maxRetries + 1);
        assertThat(failure.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED);
        assertThat(failure.operation()).isEqualTo("insert-seen");
        assertThat(failure.sqlState()).isEqualTo("08001");
        assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.TRANSIENT);
        assertThat(failure.getCause()).isInstanceOf(SQLException.class);
        assertThat(retries).extracting(Retry::retry).containsExactlyElementsOf(IntStream.rangeClosed(1, maxRetries).boxed().toList());
        assertThat(retries).allSatisfy(r -> {
            assertThat(r.kind()).isEqualTo(Kind.TRANSIENT);
            assertThat(r.operation()).isEqualTo("insert-seen");
            assertThat(r.unit()).isEqualTo(DbRetry.Unit.STATEMENT);
            assertThat(r.maxRetries()).isEqualTo(maxRetries);
            assertThat(r.delay().toMillis()).isBetween(0L, policy.backoff().ceilingMillis(r.retry()));
        });
    }

    @Test
    void backoffDelaysDoubleFromTheBaseUpToTheCap() {
        proxy.cut();
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(Policy.of(4, 20, 50), meters).withRandom(JitterAtTheCeiling.INSTANCE).onRetry(retries::add);

        long started = System.nanoTime();
        catchThrowable(() -> retry.statement("insert-seen", () -> insertSeen(1)));
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

        assertThat(retries).extracting(r -> r.delay().toMillis()).containsExactly(20L, 40L, 50L, 50L);
        assertThat(tookMs).as("the delays were waited out").isGreaterThanOrEqualTo(160);
    }

    @Test
    void aListenerThatThrowsDoesNotChangeTheOutcome() throws SQLException {
        AtomicInteger calls = new AtomicInteger();
        DbRetry retry = new DbRetry(Policy.of(2, 20, 100), meters)
                .onRetry(r -> {
                    throw new IllegalStateException("broken hook");
                })
                .onRetry(r -> proxy.restore());
        proxy.cut();

        int inserted = retry.statement("insert-seen", () -> {
            calls.incrementAndGet();
            return insertSeen(4);
        });

        assertThat(inserted).isEqualTo(1);
        assertThat(calls).hasValue(2);
    }

    @Test
    void aDatabaseRestoredDuringTheBackoffIsReachedByTheNextAttempt() throws Exception {
        proxy.cut();
        CountDownLatch backingOff = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        // A one-second backoff leaves the test thread ample time to restore while the retry waits.
        DbRetry retry = new DbRetry(Policy.of(3, 1_000, 1_000), meters)
                .withRandom(JitterAtTheCeiling.INSTANCE)
                .onRetry(r -> backingOff.countDown());

        try (ExecutorService thread = Executors.newSingleThreadExecutor()) {
            Future<Integer> inserted = thread.submit(() -> retry.statement("insert-seen", () -> {
                calls.incrementAndGet();
                return insertSeen(7);
            }));
            assertThat(backingOff.await(10, TimeUnit.SECONDS)).as("first attempt failed and backoff started").isTrue();
            proxy.restore();

            assertThat(inserted.get(10, TimeUnit.SECONDS)).isEqualTo(1);
        }
        assertThat(calls).hasValue(2);
        assertThat(storedSeen()).containsExactly(7);
        assertThat(meters.get("ballast.db.retry.attempts").tags("operation", "insert-seen", "outcome", "success")
                .counter().count()).isEqualTo(1);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
            "INSERT INTO seen (id, note) VALUES (1, 'again')  | 23505 | UNIQUE_VIOLATION",
            "SELEC id FROM seen                                | 42601 | PERMANENT",
            "SELECT no_such_column FROM seen                   | 42703 | PERMANENT"
    })
    void aFailureTheDatabaseAnsweredIsAttemptedOnceAndComesBackUnchanged(String sql, String sqlState, Kind kind)
            throws SQLException {
        insertSeen(1);
        AtomicInteger calls = new AtomicInteger();
        List<Retry> retries = new CopyOnWriteArrayList<>();
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), meters).onRetry(retries::add);

        Throwable failure = catchThrowable(() -> retry.statement("answered", () -> {
            calls.incrementAndGet();
            try (Connection c = throughProxy(); Statement st = c.createStatement()) {
                return st.execute(sql);
            }
        }));

        assertThat(calls).hasValue(1);
        assertThat(retries).isEmpty();
        assertThat(failure).isInstanceOf(SQLException.class).isNotInstanceOf(DbUnavailableException.class);
        assertThat(((SQLException) failure).getSQLState()).isEqualTo(sqlState);
        assertThat(DbFailureClassifier.classify(failure)).isEqualTo(kind);
        assertThat(meters.get("ballast.db.retry.attempts").tags("operation", "answered", "outcome", kind.name().toLowerCase())
                .counter().count()).isEqualTo(1);
        assertThat(meters.find("ballast.db.retry.retries").counters()).isEmpty();
    }

    @Test
    void aSerializationFailureSeenByAStatementIsNotRetriedBecauseItIsNotAWholeTransaction() {
        AtomicInteger calls = new AtomicInteger();
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), meters);

        Throwable failure = catchThrowable(() -> retry.statement("bump-counter", () -> {
            calls.incrementAndGet();
            try (Connection c = throughProxy()) {
                c.setAutoCommit(false);
                c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
                try (Statement st = c.createStatement()) {
                    st.executeQuery("SELECT v FROM counter WHERE id = 1").close();
                    bumpCounterElsewhere();
                    return st.executeUpdate("UPDATE counter SET v = v + 1 WHERE id = 1");
                }
            }
        }));

        assertThat(calls).hasValue(1);
        assertThat(failure).isInstanceOf(SQLException.class);
        assertThat(((SQLException) failure).getSQLState()).isEqualTo("40001");
        assertThat(DbFailureClassifier.classify(failure)).isEqualTo(Kind.RETRY_TRANSACTION);
    }

    @Test
    void anInterruptDuringTheBackoffStopsRetryingAndKeepsTheInterruptFlag() throws Exception {
        proxy.cut();
        CountDownLatch backingOff = new CountDownLatch(1);
        AtomicInteger calls = new AtomicInteger();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicBoolean interruptedAfterwards = new AtomicBoolean();
        DbRetry retry = new DbRetry(Policy.of(5, 60_000, 60_000), meters)
                .withRandom(JitterAtTheCeiling.INSTANCE)
                .onRetry(r -> backingOff.countDown());

        Thread worker = Thread.ofPlatform().name("db-retry-worker").start(() -> {
            try {
                retry.statement("insert-seen", () -> {
                    calls.incrementAndGet();
                    return insertSeen(1);
                });
            } catch (Throwable t) {
                thrown.set(t);
                interruptedAfterwards.set(Thread.currentThread().isInterrupted());
            }
        });
        assertThat(backingOff.await(10, TimeUnit.SECONDS)).isTrue();
        worker.interrupt();

        assertThat(worker.join(Duration.ofSeconds(5))).as("worker stopped well before its 60 s backoff").isTrue();
        assertThat(thrown.get()).isInstanceOfSatisfying(DbUnavailableException.class, e -> {
            assertThat(e.reason()).isEqualTo(Reason.INTERRUPTED);
            assertThat(e.attempts()).isEqualTo(1);
        });
        assertThat(interruptedAfterwards).isTrue();
        assertThat(calls).hasValue(1);
        assertThat(meters.get("ballast.db.retry.giveups").tags("reason", "interrupted").counter().count()).isEqualTo(1);
    }

    @Test
    void aUnitThatAlreadyGaveUpInsideAnotherIsNotRetriedAgainOutside() {
        proxy.cut();
        AtomicInteger outer = new AtomicInteger();
        AtomicInteger inner = new AtomicInteger();
        DbRetry retry = new DbRetry(Policy.of(2, 20, 100), meters);

        Throwable failure = catchThrowable(() -> retry.statement("outer", () -> {
            outer.incrementAndGet();
            return retry.statement("inner", () -> {
                inner.incrementAndGet();
                return insertSeen(1);
            });
        }));

        assertThat(inner).hasValue(3);
        assertThat(outer).hasValue(1);
        assertThat(failure).isInstanceOfSatisfying(DbUnavailableException.class,
                e -> assertThat(e.operation()).isEqualTo("inner"));
    }

    @Test
    void attemptsRetriesGiveUpsAndCallsAreCountedByOperationAndOutcome() throws SQLException {
        DbRetry retry = new DbRetry(Policy.of(2, 20, 100), meters);
        proxy.cut();
        catchThrowable(() -> retry.statement("insert-seen", () -> insertSeen(1)));
        proxy.restore();
        retry.statement("insert-seen", () -> insertSeen(2));

        assertThat(count("ballast.db.retry.attempts", "outcome", "transient")).isEqualTo(3);
        assertThat(count("ballast.db.retry.attempts", "outcome", "success")).isEqualTo(1);
        assertThat(count("ballast.db.retry.retries", "kind", "transient")).isEqualTo(2);
        assertThat(meters.get("ballast.db.retry.giveups")
                .tags("operation", "insert-seen", "unit", "statement", "kind", "transient", "reason", "retries_exhausted")
                .counter().count()).isEqualTo(1);
        assertThat(meters.get("ballast.db.retry.calls").tags("operation", "insert-seen", "outcome", "unavailable")
                .timer().count()).isEqualTo(1);
        assertThat(meters.get("ballast.db.retry.calls").tags("operation", "insert-seen", "outcome", "success")
                .timer().count()).isEqualTo(1);
    }

    @Test
    void eachRetryLogsOneConciseLineWithoutSqlUrlsOrSecrets() {
        Logger logger = (Logger) LoggerFactory.getLogger(DbRetry.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            proxy.cut();
            catchThrowable(() -> new DbRetry(Policy.of(2, 20, 100), meters).statement("insert-seen", () -> insertSeen(1)));
        } finally {
            logger.detachAppender(appender);
        }

        List<ILoggingEvent> events = appender.list;
        assertThat(events).filteredOn(e -> e.getFormattedMessage().startsWith("db retry ")).hasSize(2)
                .allSatisfy(e -> assertThat(e.getLevel()).isEqualTo(Level.WARN))
                .extracting(ILoggingEvent::getFormattedMessage)
                .allSatisfy(line -> assertThat(line).contains("operation=insert-seen", "unit=statement", "delay_ms=",
                        "kind=TRANSIENT", "sqlstate=08001", "error=ConnectException"))
                .anySatisfy(line -> assertThat(line).contains("retry=1/2"))
                .anySatisfy(line -> assertThat(line).contains("retry=2/2"));
        assertThat(events).filteredOn(e -> e.getFormattedMessage().startsWith("db gave up ")).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("attempts=3", "reason=retries_exhausted"));
        assertThat(events).hasSize(3).allSatisfy(e -> {
            assertThat(e.getThrowableProxy()).as("no stack trace: driver messages carry host and port").isNull();
            assertThat(e.getFormattedMessage()).doesNotContain("127.0.0.1", String.valueOf(proxy.port()), "jdbc:",
                    "INSERT", SECRET_NOTE, db.name());
            if (!db.password().isEmpty()) {
                assertThat(e.getFormattedMessage()).doesNotContain(db.password());
            }
        });
    }

    private Connection throughProxy() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", db.user());
        props.setProperty("password", db.password());
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "10");
        return DriverManager.getConnection(db.jdbcUrlThrough(proxy.port()), props);
    }

    private int insertSeen(int id) throws SQLException {
        try (Connection c = throughProxy();
             PreparedStatement ps = c.prepareStatement("INSERT INTO seen (id, note) VALUES (?, ?) ON CONFLICT DO NOTHING")) {
            ps.setInt(1, id);
            ps.setString(2, SECRET_NOTE);
            return ps.executeUpdate();
        }
    }

    private void bumpCounterElsewhere() throws SQLException {
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.executeUpdate("UPDATE counter SET v = v + 100 WHERE id = 1");
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

    private double count(String meter, String tag, String value) {
        return meters.get(meter).tags("operation", "insert-seen", "unit", "statement", tag, value).counter().count();
    }
}
