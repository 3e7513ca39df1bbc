package dev.ballast.resilience.http;

import io.micronaut.core.propagation.PropagatedContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class DeadlineTest {

    @Test
    void theHeaderCarriesRemainingMilliseconds() {
        Deadline d = Deadline.fromHeader("1500");
        assertThat(d).isNotNull();
        assertThat(d.remainingMillis()).isBetween(1L, 1500L);
    }

    @Test
    void nonsenseHeadersAreIgnoredAndHugeOnesClamped() {
        assertThat(Deadline.fromHeader(null)).isNull();
        assertThat(Deadline.fromHeader("")).isNull();
        assertThat(Deadline.fromHeader("soon")).isNull();
        assertThat(Deadline.fromHeader(Long.toString(Long.MAX_VALUE)).remainingMillis()).isLessThanOrEqualTo(Deadline.MAX_HEADER_MILLIS);
    }

    @Test
    void aNegativeBudgetHasAlreadyExpired() {
        assertThat(Deadline.fromHeader("-20").isExpired()).isTrue();
        assertThat(Deadline.fromHeader("-20").remainingMillis()).isZero();
    }

    @Test
    void theSoonerDeadlineWins() {
        Deadline soon = Deadline.after(Duration.ofSeconds(1));
        Deadline late = Deadline.after(Duration.ofMinutes(1));
        assertThat(soon.min(late)).isSameAs(soon);
        assertThat(late.min(soon)).isSameAs(soon);
        assertThat(late.min(null)).isSameAs(late);
    }

    @Test
    void aPropagatedDeadlineIsCurrentUntilItsScopeCloses() {
        assertThat(Deadline.current()).isEmpty();
        Deadline d = Deadline.after(Duration.ofSeconds(3));
        try (PropagatedContext.Scope ignored = d.propagate()) {
            assertThat(Deadline.current()).contains(d);
        }
        assertThat(Deadline.current()).isEmpty();
    }
}
