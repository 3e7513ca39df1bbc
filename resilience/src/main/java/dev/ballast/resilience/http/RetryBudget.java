package dev.ballast.resilience.http;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * Caps the retries of one client at {@code minRetries + ratio * requests} over a sliding window, so a dependency
 * that fails every call sees at most {@code 1 + ratio} times our normal traffic instead of {@code attempts} times.
 * The floor lets a quiet client still retry the odd failure.
 *
 * <p>The window is a ring of ten buckets; counting and checking happen under one short lock, so the bound holds
 * exactly under concurrency.
 */
public final class RetryBudget {

    private static final int BUCKETS = 10;

    private final double ratio;
    private final int minRetries;
    private final long bucketNanos;
    private final LongSupplier nanoClock;

    private final int[] requests = new int[BUCKETS];
    private final int[] retries = new int[BUCKETS];
    private long currentBucket;
    private long requestsInWindow;
    private long retriesInWindow;

    public RetryBudget(double ratio, int minRetries, Duration window) {
        this(ratio, minRetries, window, System::nanoTime);
    }

    public RetryBudget(double ratio, int minRetries, Duration window, LongSupplier nanoClock) {
        if (ratio < 0 || minRetries < 0 || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("retry budget needs ratio >= 0, min-retries >= 0 and a positive window");
        }
        this.ratio = ratio;
        this.minRetries = minRetries;
        this.bucketNanos = Math.max(1, window.toNanos() / BUCKETS);
        this.nanoClock = nanoClock;
        this.currentBucket = Math.floorDiv(nanoClock.getAsLong(), bucketNanos);
    }

    /** Counts a call (its first attempt); each call earns {@code ratio} of a retry. */
    public synchronized void recordRequest() {
        int slot = advance();
        requests[slot]++;
        requestsInWindow++;
    }

    /** Takes one retry from the budget, or returns {@code false} when the window has none left. */
    public synchronized boolean tryAcquireRetry() {
        int slot = advance();
        if (retriesInWindow >= minRetries + ratio * requestsInWindow) {
            return false;
        }
        retries[slot]++;
        retriesInWindow++;
        return true;
    }

    /** Retries still allowed in the current window (for tests and diagnostics). */
    public synchronized long available() {
        advance();
        return Math.max(0, (long) Math.floor(minRetries + ratio * requestsInWindow) - retriesInWindow);
    }

    private int advance() {
        long bucket = Math.floorDiv(nanoClock.getAsLong(), bucketNanos);
        if (bucket > currentBucket) {
            long expire = Math.min(bucket - currentBucket, BUCKETS);
            for (long b = currentBucket + 1; b <= currentBucket + expire; b++) {
                int slot = (int) Math.floorMod(b, (long) BUCKETS);
                requestsInWindow -= requests[slot];
                retriesInWindow -= retries[slot];
                requests[slot] = 0;
                retries[slot] = 0;
            }
            currentBucket = bucket;
        }
        return (int) Math.floorMod(currentBucket, (long) BUCKETS);
    }
}
