package dev.ballast.resilience.db;

import java.util.random.RandomGenerator;

/** A jitter source that always picks the ceiling, so a test knows how long a backoff lasts. */
final class JitterAtTheCeiling implements RandomGenerator {

    static final RandomGenerator INSTANCE = new JitterAtTheCeiling();

    @Override
    public long nextLong() {
        return Long.MAX_VALUE;
    }

    @Override
    public long nextLong(long bound) {
        return bound - 1;
    }
}
