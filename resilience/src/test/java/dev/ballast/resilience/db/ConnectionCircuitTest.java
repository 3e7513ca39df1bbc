package dev.ballast.resilience.db;

import dev.ballast.resilience.db.DbUnavailableException.Reason;
import org.junit.jupiter.api.Test;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

class ConnectionCircuitTest {

    private static final SQLException CONNECTION_LOST = new SQLException("lost", "08006");

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
