package dev.ballast.resilience;

import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BackoffTest {

    @Test
    void ceilingDoublesFromBaseUpToCap() {
        Backoff backoff = Backoff.of(200, 10_000);
        assertThat(backoff.ceilingMillis(1)).isEqualTo(200);
        assertThat(backoff.ceilingMillis(2)).isEqualTo(400);
        assertThat(backoff.ceilingMillis(3)).isEqualTo(800);
        assertThat(backoff.ceilingMillis(6)).isEqualTo(6_400);
        assertThat(backoff.ceilingMillis(7)).isEqualTo(10_000);
        assertThat(backoff.ceilingMillis(1_000)).isEqualTo(10_000);
    }

    @Test
    void delaysAreSpreadOverTheWholeRangeNotClusteredAtTheCeiling() {
        Backoff backoff = Backoff.of(1_000, 1_000);
        RandomGenerator random = new SplittableRandom(42);
        long below = 0;
        long above = 0;
        for (int i = 0; i < 2_000; i++) {
            long d = backoff.delayMillis(1, random);
            assertThat(d).isBetween(0L, 1_000L);
            if (d < 500) {
                below++;
            } else {
                above++;
            }
        }
        assertThat(below).isBetween(800L, 1_200L);
        assertThat(above).isBetween(800L, 1_200L);
    }

    @Test
    void nonsenseIsRefused() {
        assertThatThrownBy(() -> Backoff.of(500, 100)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Backoff.of(100, 500).ceilingMillis(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aDelayCanReachItsCeilingButNeverPassIt() {
        Backoff backoff = Backoff.of(200, 10_000);
        assertThat(backoff.delayMillis(3, JitterAtTheCeiling.INSTANCE)).isEqualTo(800);
        for (int i = 0; i < 1_000; i++) {
            assertThat(backoff.delayMillis(3)).isBetween(0L, 800L);
        }
        assertThat(IntStream.range(0, 100).mapToLong(i -> backoff.delayMillis(3)).max().orElse(0))
                .isPositive();
    }
}
