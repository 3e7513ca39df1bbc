package dev.ballast.resilience;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: before retry {@code n} (1-based) wait a uniform random time in
 * {@code [0, min(cap, base * 2^(n-1))]}, so that a crowd of failing callers spreads out instead of
 * retrying in lock-step.
 *
 * @param base the ceiling of the first delay
 * @param cap  the ceiling no delay exceeds
 */
public record Backoff(Duration base, Duration cap) {

    public Backoff {
        if (base.isNegative() || cap.isNegative() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 <= base <= cap, got base=" + base + " cap=" + cap);
        }
    }

    public static Backoff of(long baseMillis, long capMillis) {
        return new Backoff(Duration.ofMillis(baseMillis), Duration.ofMillis(capMillis));
    }

    /** The ceiling of the delay before retry {@code retry}. */
    public long ceilingMillis(int retry) {
        if (retry < 1) {
            throw new IllegalArgumentException("retries are numbered from 1");
        }
        long base = this.base.toMillis();
        long cap = this.cap.toMillis();
        int shift = Math.min(retry - 1, 30);
        long grown = base > (Long.MAX_VALUE >> shift) ? Long.MAX_VALUE : base << shift;
        return Math.min(cap, grown);
    }

    /** A jittered delay before retry {@code retry}. */
    public long delayMillis(int retry) {
        return delayMillis(retry, ThreadLocalRandom.current());
    }

    public long delayMillis(int retry, RandomGenerator random) {
        return random.nextLong(ceilingMillis(retry) + 1);
    }
}
