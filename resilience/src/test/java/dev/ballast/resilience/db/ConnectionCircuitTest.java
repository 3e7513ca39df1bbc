package dev.ballast.resilience.db;

import dev.ballast.resilience.JitterAtTheCeiling;
import dev.ballast.resilience.db.DbRetry.Policy;
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

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConnectionCircuitTest {

    private static final SQLException CONNECTION_LOST = new SQLException("lost", "08006");

    private TestDatabase db;
    private FaultProxy proxy;
    private SimpleMeterRegistry meters;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
    }

    @AfterAll
    void stop() {
        proxy.close();
        db.close();
    }

    @BeforeEach
    void cleanSlate() {
        proxy.restore();
        meters = new SimpleMeterRegistry();
    }

    @Test
    void opensAfterThreeConsecutiveTransientFailuresByDefault() {
        ConnectionCircuit circuit = ConnectionCircuit.withDefaultThreshold("tick");

        assertThat(circuit.recordFailure(CONNECTION_LOST)).isFalse();
        assertThat(circuit.recordFailure(CONNECTION_LOST)).isFalse();
        assertThat(circuit.shouldStop()).isFalse();
        assertThat(circuit.recordFailure(CONNECTION_LOST)).isTrue();

        assertThat(circuit.shouldStop()).isTrue();
        assertThat(circuit.consecutiveFailures()).isEqualTo(3);
        DbUnavailableException refused = catchThrowableOfType(DbUnavailableException.class,
                () -> circuit.ensureClosed("next-pack"));
        assertThat(refused.reason()).isEqualTo(Reason.CIRCUIT_OPEN);
        assertThat(refused.attempts()).isZero();
        assertThat(refused.getCause()).isSameAs(CONNECTION_LOST);
        assertThat(DbFailureClassifier.classify(refused)).isEqualTo(DbFailureClassifier.Kind.TRANSIENT);
    }

    @Test
    void aSuccessBeforeTheThresholdStartsTheCountAgain() {
        ConnectionCircuit circuit = new ConnectionCircuit("tick", 3);
        circuit.recordFailure(CONNECTION_LOST);
        circuit.recordFailure(CONNECTION_LOST);
        circuit.recordSuccess();
        circuit.recordFailure(CONNECTION_LOST);
        circuit.recordFailure(CONNECTION_LOST);

        assertThat(circuit.shouldStop()).isFalse();
        assertThat(circuit.consecutiveFailures()).isEqualTo(2);
        circuit.ensureClosed("next-pack");
    }

    @Test
    void failuresTheDatabaseAnsweredNeitherCountNorReset() {
        ConnectionCircuit circuit = new ConnectionCircuit("tick", 3);
        circuit.recordFailure(CONNECTION_LOST);
        circuit.recordFailure(CONNECTION_LOST);

        assertThat(circuit.recordFailure(new SQLException("duplicate", "23505"))).isFalse();
        assertThat(circuit.recordFailure(new SQLException("syntax", "42601"))).isFalse();
        assertThat(circuit.recordFailure(new IllegalStateException("bug"))).isFalse();
        assertThat(circuit.consecutiveFailures()).isEqualTo(2);

        circuit.recordFailure(CONNECTION_LOST);
        assertThat(circuit.shouldStop()).isTrue();
    }

    @Test
    void onceOpenItStaysOpenForTheRestOfTheInvocation() {
        ConnectionCircuit circuit = new ConnectionCircuit("tick", 1);
        circuit.recordFailure(CONNECTION_LOST);
        circuit.recordSuccess();

        assertThat(circuit.shouldStop()).isTrue();
        assertThatThrownBy(() -> circuit.ensureClosed("next-pack")).isInstanceOf(DbUnavailableException.class);
    }

    @Test
    void aThresholdBelowOneIsRefused() {
        assertThatThrownBy(() -> new ConnectionCircuit("tick", 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void failuresRecordedByManyThreadsAtOnceAreAllCountedAndOpenItExactlyOnce() throws Exception {
        int threads = 16;
        int perThread = 500;
        ConnectionCircuit justOpen = new ConnectionCircuit("tick", threads * perThread);
        ConnectionCircuit stillClosed = new ConnectionCircuit("tick", threads * perThread + 1);
        AtomicInteger openers = new AtomicInteger();

        runTogether(threads, () -> {
            for (int i = 0; i < perThread; i++) {
                if (justOpen.recordFailure(CONNECTION_LOST)) {
                    openers.incrementAndGet();
                }
                stillClosed.recordFailure(CONNECTION_LOST);
            }
        });

        assertThat(openers).hasValue(1);
        assertThat(justOpen.shouldStop()).isTrue();
        assertThat(stillClosed.shouldStop()).isFalse();
        assertThat(stillClosed.consecutiveFailures()).isEqualTo(threads * perThread);
    }

    @Test
    void anOpenCircuitStaysOpenWhileManyThreadsKeepReportingSuccesses() throws Exception {
        ConnectionCircuit circuit = new ConnectionCircuit("tick", 3);
        for (int i = 0; i < 3; i++) {
            circuit.recordFailure(CONNECTION_LOST);
        }
        AtomicInteger seenClosed = new AtomicInteger();

        runTogether(8, () -> {
            for (int i = 0; i < 5_000; i++) {
                if (i % 3 == 0) {
                    circuit.recordFailure(CONNECTION_LOST);
                } else {
                    circuit.recordSuccess();
                }
                if (!circuit.shouldStop()) {
                    seenClosed.incrementAndGet();
                }
            }
        });

        assertThat(seenClosed).hasValue(0);
        assertThat(circuit.consecutiveFailures()).isEqualTo(3);
    }

    @Test
    void aTickAgainstACutDatabaseStopsAfterThreeUnitsThatSpentTheirRetries() {
        proxy.cut();
        ConnectionCircuit circuit = new ConnectionCircuit("insights-tick", 3);
        DbRetry tick = new DbRetry(Policy.of(1, 20, 100), meters).feeding(circuit);
        AtomicInteger calls = new AtomicInteger();
        int units = 0;

        for (int pack = 0; pack < 10 && !circuit.shouldStop(); pack++) {
            units++;
            Throwable failure = catchThrowable(() -> tick.statement("load-pack", () -> {
                calls.incrementAndGet();
                return selectOne();
            }));
            assertThat(failure).isInstanceOfSatisfying(DbUnavailableException.class,
                    e -> assertThat(e.reason()).isEqualTo(Reason.RETRIES_EXHAUSTED));
        }

        assertThat(units).isEqualTo(3);
        assertThat(calls).as("3 units x (1 attempt + 1 retry)").hasValue(6);
        assertThat(circuit.shouldStop()).isTrue();

        DbUnavailableException refused = catchThrowableOfType(DbUnavailableException.class,
                () -> tick.statement("load-pack", () -> {
                    calls.incrementAndGet();
                    return selectOne();
                }));
        assertThat(refused.reason()).isEqualTo(Reason.CIRCUIT_OPEN);
        assertThat(refused.attempts()).isZero();
        assertThat(calls).as("an open circuit refuses without touching the database").hasValue(6);
        assertThat(meters.get("ballast.db.retry.calls").tags("operation", "load-pack", "outcome", "circuit_open")
                .timer().count()).isEqualTo(1);
    }

    @Test
    void aUnitThatReachesTheDatabaseResetsTheCountFedByDbRetry() throws SQLException {
        ConnectionCircuit circuit = new ConnectionCircuit("insights-tick", 3);
        DbRetry tick = new DbRetry(Policy.of(0, 20, 100), meters).feeding(circuit);

        proxy.cut();
        catchThrowable(() -> tick.statement("load-pack", this::selectOne));
        catchThrowable(() -> tick.statement("load-pack", this::selectOne));
        proxy.restore();
        assertThat(tick.statement("load-pack", this::selectOne)).isEqualTo(1);
        proxy.cut();
        catchThrowable(() -> tick.statement("load-pack", this::selectOne));
        catchThrowable(() -> tick.statement("load-pack", this::selectOne));

        assertThat(circuit.consecutiveFailures()).isEqualTo(2);
        assertThat(circuit.shouldStop()).isFalse();
        catchThrowable(() -> tick.statement("load-pack", this::selectOne));
        assertThat(circuit.shouldStop()).isTrue();
    }

    @Test
    void aRetryWaitingInItsBackoffStopsWhenAnotherUnitOpensTheCircuit() throws Exception {
        proxy.cut();
        ConnectionCircuit circuit = new ConnectionCircuit("insights-tick", 1);
        CountDownLatch backingOff = new CountDownLatch(1);
        AtomicInteger patientCalls = new AtomicInteger();
        DbRetry patient = new DbRetry(Policy.of(5, 1_000, 1_000), meters)
                .withRandom(JitterAtTheCeiling.INSTANCE)
                .onRetry(r -> backingOff.countDown())
                .feeding(circuit);
        DbRetry impatient = new DbRetry(Policy.of(0, 20, 100), meters).feeding(circuit);

        try (ExecutorService thread = Executors.newSingleThreadExecutor()) {
            Future<Throwable> waiting = thread.submit(() -> catchThrowable(() -> patient.statement("load-pack", () -> {
                patientCalls.incrementAndGet();
                return selectOne();
            })));
            assertThat(backingOff.await(10, TimeUnit.SECONDS)).isTrue();
            catchThrowable(() -> impatient.statement("save-step", this::selectOne));
            assertThat(circuit.shouldStop()).isTrue();

            assertThat(waiting.get(10, TimeUnit.SECONDS)).isInstanceOfSatisfying(DbUnavailableException.class, e -> {
                assertThat(e.reason()).isEqualTo(Reason.CIRCUIT_OPEN);
                assertThat(e.attempts()).isEqualTo(1);
            });
        }
        assertThat(patientCalls).as("no second attempt once the circuit was open").hasValue(1);
    }

    @Test
    void aTickFannedOutOverManyThreadsStopsEveryThreadOnceTheDatabaseIsGone() throws Exception {
        proxy.cut();
        int threads = 8;
        ConnectionCircuit circuit = new ConnectionCircuit("insights-tick", 3);
        DbRetry tick = new DbRetry(Policy.of(2, 20, 100), meters).feeding(circuit);
        AtomicInteger exhausted = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();

        // Each worker takes units until the tick says stop, as the insights cron does (bounded, so that a circuit
        // that never opens fails this test instead of hanging it).
        runTogether(threads, () -> {
            for (int unit = 0; unit < 50 && !circuit.shouldStop(); unit++) {
                try {
                    tick.statement("load-lead", this::selectOne);
                } catch (DbUnavailableException e) {
                    (e.reason() == Reason.CIRCUIT_OPEN ? refused : exhausted).incrementAndGet();
                } catch (SQLException e) {
                    throw new IllegalStateException(e);
                }
            }
        });

        assertThat(circuit.shouldStop()).isTrue();
        // Three exhausted units open it; at most one more per other thread was already on its last attempt.
        assertThat(exhausted.get()).isBetween(3, 3 + threads - 1);
        assertThat(exhausted.get() + refused.get()).isLessThanOrEqualTo(3 + threads - 1 + threads);
    }

    private int selectOne() throws SQLException {
        Properties props = new Properties();
        props.setProperty("user", db.user());
        props.setProperty("password", db.password());
        props.setProperty("connectTimeout", "2");
        props.setProperty("socketTimeout", "10");
        try (Connection c = DriverManager.getConnection(db.jdbcUrlThrough(proxy.port()), props);
             Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
            rs.next();
            return rs.getInt(1);
        }
    }

    private static void runTogether(int threads, Runnable work) throws Exception {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(threads)) {
            for (int i = 0; i < threads; i++) {
                running.add(pool.submit(() -> {
                    await(start);
                    work.run();
                }));
            }
            start.countDown();
            try {
                for (Future<?> f : running) {
                    f.get(30, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("start latch never opened");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
