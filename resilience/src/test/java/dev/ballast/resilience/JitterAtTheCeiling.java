package dev.ballast.resilience;

import java.util.random.RandomGenerator;

/** A jitter source that always picks the ceiling, so a test knows how long a backoff lasts. */
public final class JitterAtTheCeiling implements RandomGenerator {

    public static final RandomGenerator INSTANCE = new JitterAtTheCeiling();

    @Override
    public long nextLong() {
        return Long.MAX_VALUE;
    }

    @Override
    public long nextLong(long bound) {
        return bound - 1;
    }
}
