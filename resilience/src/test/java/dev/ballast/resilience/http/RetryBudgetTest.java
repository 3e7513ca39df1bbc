package dev.ballast.resilience.http;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RetryBudgetTest {

    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final RetryBudget budget = new RetryBudget(0.2, 10, Duration.ofSeconds(10), nanos::get);

    private int drain() {
        int granted = 0;
        while (budget.tryAcquireRetry()) {
            granted++;
        }
        return granted;
    }

    @Test
    void aQuietClientStillGetsTheFloor() {
        assertThat(drain()).isEqualTo(10);
    }

    @Test
    void retriesAreAtMostTwentyPercentOfRequestsPlusTheFloor() {
        for (int i = 0; i < 1_000; i++) {
            budget.recordRequest();
        }
        assertThat(drain()).isEqualTo(210);
        budget.recordRequest();
        budget.recordRequest();
        budget.recordRequest();
        budget.recordRequest();
        budget.recordRequest();
        assertThat(drain()).as("five more requests earn one more retry").isEqualTo(1);
    }

    @Test
    void theWindowSlidesSoOldRequestsStopEarningRetries() {
        for (int i = 0; i < 100; i++) {
            budget.recordRequest();
        }
        assertThat(drain()).isEqualTo(30);
        nanos.addAndGet(Duration.ofSeconds(5).toNanos());
        assertThat(drain()).as("half a window later the spent retries still count").isZero();
        nanos.addAndGet(Duration.ofSeconds(6).toNanos());
        assertThat(drain()).as("a full window later only the floor is left").isEqualTo(10);
    }

    @Test
    void theBoundHoldsUnderConcurrency() throws InterruptedException {
        RetryBudget shared = new RetryBudget(0.2, 10, Duration.ofMinutes(1));
        int threads = 16;
        int callsPerThread = 500;
        AtomicInteger granted = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.submit(() -> {
                start.await();
                for (int i = 0; i < callsPerThread; i++) {
                    shared.recordRequest();
                    // every call fails and wants two retries
                    for (int r = 0; r < 2; r++) {
                        if (shared.tryAcquireRetry()) {
                            granted.incrementAndGet();
                        }
                    }
                }
                return null;
            });
        }
        start.countDown();
        pool.shutdown();
        assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
        assertThat(granted.get()).isLessThanOrEqualTo(10 + threads * callsPerThread / 5);
        assertThat(granted.get()).isGreaterThanOrEqualTo(threads * callsPerThread / 5);
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> new RetryBudget(-0.1, 10, Duration.ofSeconds(10))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new RetryBudget(0.2, 10, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class);
    }
}
