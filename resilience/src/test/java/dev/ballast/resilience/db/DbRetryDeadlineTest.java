package dev.ballast.resilience.db;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.resilience.db.DbRetry.Policy;
import dev.ballast.resilience.db.DbUnavailableException.Reason;
import dev.ballast.resilience.http.Deadline;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.core.type.Argument;
import io.micronaut.jdbc.DataSourceResolver;
import io.micronaut.transaction.TransactionOperations;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * {@link DbRetry} under a deadline, against a database that hangs (the fault proxy frozen: connections open,
 * nothing answered) behind the pool the services use, whose acquisition timeout is deliberately longer than the
 * deadlines here.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DbRetryDeadlineTest {

    /** What a unit may take beyond its deadline: scheduling on a busy two-core machine, not another attempt. */
    private static final long SLACK_MS = 500;

    private TestDatabase db;
    private FaultProxy proxy;
    private ApplicationContext context;
    private TransactionOperations<Connection> tx;
    private HikariDataSource pool;
    private final ExecutorService virtualThreads = Executors.newVirtualThreadPerTaskExecutor();

    @BeforeAll
    @SuppressWarnings("unchecked")
    void start() throws SQLException {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        try (Connection c = db.connect(); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE seen (id int PRIMARY KEY)");
        }
        Map<String, Object> props = new HashMap<>(db.datasourceProperties(db.jdbcUrlThrough(proxy.port())));
        props.put("datasources.default.maximum-pool-size", 2);
        props.put("datasources.default.minimum-idle", 0);
        props.put("datasources.default.connection-timeout", 5000);
        props.put("datasources.default.validation-timeout", 1000);
        props.put("datasources.default.initialization-fail-timeout", -1);
        context = ApplicationContext.run(props);
        tx = context.getBean(Argument.of(TransactionOperations.class, Connection.class));
        DataSource dataSource = context.findBean(DataSourceResolver.class).orElse(DataSourceResolver.DEFAULT)
                .resolve(context.getBean(DataSource.class));
        pool = dataSource.unwrap(HikariDataSource.class);
    }

    @AfterAll
    void stop() {
        proxy.restore();
        virtualThreads.shutdownNow();
        context.close();
        proxy.close();
        db.close();
    }

    @BeforeEach
    void warmPool() {
        proxy.restore();
        pool.getHikariPoolMXBean().softEvictConnections();
        Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
            try (Connection a = pool.getConnection()) {
                return a.isValid(1);
            }
        });
    }

    @Test
    void aStatementOnAFrozenDatabaseEndsAtItsDeadlineAsUnavailable() throws Exception {
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), new SimpleMeterRegistry());
        proxy.freeze();
        long started = System.nanoTime();
        Throwable failure = onVirtualThread(() -> retry.within(Deadline.after(Duration.ofMillis(800)))
                .statement("read-seen", this::countSeen));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(failure).isInstanceOf(DbUnavailableException.class);
        assertThat(((DbUnavailableException) failure).reason()).isEqualTo(Reason.DEADLINE_EXCEEDED);
        assertThat(tookMs).isBetween(700L, 800 + SLACK_MS);
    }

    @Test
    void theDeadlineInThePropagatedContextBoundsAUnitAsWell() throws Exception {
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), new SimpleMeterRegistry());
        proxy.freeze();
        long started = System.nanoTime();
        Throwable failure = onVirtualThread(() -> {
            try (PropagatedContext.Scope ignored = Deadline.after(Duration.ofMillis(600)).propagate()) {
                return retry.statement("read-seen", this::countSeen);
            }
        });
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(failure).isInstanceOf(DbUnavailableException.class);
        assertThat(tookMs).isLessThan(600 + SLACK_MS);
    }

    @Test
    void aTransactionWaitsForAPoolConnectionNoLongerThanItsDeadline() throws Exception {
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), new SimpleMeterRegistry());
        // The pool's two connections are taken: acquisition would wait the pool's 5 s without the deadline.
        try (Connection a = pool.getConnection(); Connection b = pool.getConnection()) {
            long started = System.nanoTime();
            DbUnavailableException failure = catchThrowableOfType(DbUnavailableException.class,
                    () -> retry.within(Deadline.after(Duration.ofMillis(400))).transaction("insert-seen", tx,
                            status -> insertSeen(status.getConnection(), 1)));
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            assertThat(failure.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED);
            assertThat(tookMs).isLessThan(400 + SLACK_MS);
            assertThat(Thread.currentThread().isInterrupted()).as("the watchdog's interrupt is not left behind").isFalse();
        }
        // The pool is unharmed: the next unit gets a connection at once.
        assertThat(retry.statement("read-seen", this::countSeen)).isZero();
    }

    @Test
    void aNetworkTimeoutItsUserSetsHoldsOutsideAnyUnit() throws Exception {
        // As the webhook intake bounds its own transaction: a unit's bound must not replace it with the default.
        try (Connection c = pool.getConnection()) {
            c.setNetworkTimeout(Runnable::run, 400);
            proxy.freeze();
            long started = System.nanoTime();
            Throwable failure = catchThrowable(() -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1");
                }
            });
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            assertThat(failure).isInstanceOf(SQLException.class);
            assertThat(tookMs).isLessThan(400 + SLACK_MS);
        }
    }

    @Test
    void noAttemptStartsPastTheDeadline() {
        DbRetry retry = new DbRetry(Policy.of(3, 20, 100), new SimpleMeterRegistry());
        AtomicInteger attempts = new AtomicInteger();
        Deadline passed = Deadline.afterMillis(0);

        DbUnavailableException failure = catchThrowableOfType(DbUnavailableException.class,
                () -> retry.within(passed).statement("read-seen", () -> attempts.incrementAndGet()));

        assertThat(failure.reason()).isEqualTo(Reason.DEADLINE_EXCEEDED);
        assertThat(failure.attempts()).isZero();
        assertThat(attempts).hasValue(0);
    }

    @Test
    void noBackoffSleepsPastTheDeadline() {
        // Backoff of 5 s after a refused connection: with 300 ms left, the unit gives up at once rather than waiting.
        DbRetry retry = new DbRetry(Policy.of(3, 5000, 5000), new SimpleMeterRegistry());
        proxy.cut();
        long started = System.nanoTime();
        DbUnavailableException failure = catchThrowableOfType(DbUnavailableException.class,
                () -> retry.within(Deadline.after(Duration.ofMillis(300))).statement("read-seen", this::countSeen));
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(failure.reason()).isIn(Reason.DEADLINE_EXCEEDED);
        assertThat(tookMs).isLessThan(300 + SLACK_MS);
    }

    @Test
    void anOutageIsLoggedOnceAtWarnAndItsEndOnceAtInfo() throws Exception {
        DbRetry retry = new DbRetry(Policy.of(2, 10, 20), new SimpleMeterRegistry());
        Logger logger = (Logger) LoggerFactory.getLogger(DbRetry.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            proxy.cut();
            for (int unit = 0; unit < 20; unit++) {
                assertThat(catchThrowable(() -> retry.statement("read-seen", this::countSeenDirectly)))
                        .isInstanceOf(DbUnavailableException.class);
            }
            assertThat(retry.databaseUnavailable()).isTrue();
            proxy.restore();
            Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions()
                    .until(() -> retry.statement("read-seen", this::countSeenDirectly) == 0);
            retry.statement("read-seen", this::countSeenDirectly);
        } finally {
            logger.detachAppender(appender);
        }

        // The first unit's two retries and its give-up, then nothing for the other 19 units, then the recovery.
        assertThat(appender.list).filteredOn(e -> e.getLevel() == Level.WARN).hasSize(3);
        assertThat(appender.list).filteredOn(e -> e.getLevel() == Level.INFO).singleElement()
                .satisfies(e -> assertThat(e.getFormattedMessage()).startsWith("db answers again after")
                        .contains("failed_units=20"));
        assertThat(retry.databaseUnavailable()).isFalse();
    }

    private Throwable onVirtualThread(Callable<?> work) throws Exception {
        Future<Throwable> result = virtualThreads.submit(() -> catchThrowable(work::call));
        return result.get(30, TimeUnit.SECONDS);
    }

    private int countSeen() throws SQLException {
        try (Connection c = pool.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT count(*) FROM seen")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** On a connection of its own, so that a cut proxy refuses it at once instead of after the pool's timeout. */
    private int countSeenDirectly() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", db.user());
        props.setProperty("password", db.password());
        props.setProperty("connectTimeout", "2");
        try (Connection c = DriverManager.getConnection(db.jdbcUrlThrough(proxy.port()), props);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM seen")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static int insertSeen(Connection c, int id) throws SQLException {
        try (Statement st = c.createStatement()) {
            return st.executeUpdate("INSERT INTO seen VALUES (" + id + ")");
        }
    }
}
