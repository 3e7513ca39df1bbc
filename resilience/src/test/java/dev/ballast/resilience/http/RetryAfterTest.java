package dev.ballast.resilience.http;

import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import static org.assertj.core.api.Assertions.assertThat;

class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2015-10-21T07:27:00Z");
    private static final long CAP = 10_000;

    private static long delay(String header) {
        return RetryAfter.delayMillis(header, NOW.toEpochMilli(), CAP);
    }

    @Test
    void delaySecondsAreMilliseconds() {
        assertThat(delay("2")).isEqualTo(2_000);
        assertThat(delay(" 0 ")).isZero();
    }

    @Test
    void anHttpDateIsTheTimeUntilThen() {
        assertThat(delay("Wed, 21 Oct 2015 07:27:05 GMT")).isEqualTo(5_000);
    }

    @Test
    void theObsoleteDateFormatsAreAcceptedToo() {
        assertThat(delay("Wednesday, 21-Oct-15 07:27:03 GMT")).isEqualTo(3_000);
        assertThat(delay("Wed Oct 21 07:27:04 2015")).isEqualTo(4_000);
    }

    @Test
    void aDateInThePastMeansNow() {
        assertThat(delay("Wed, 21 Oct 2015 07:00:00 GMT")).isZero();
    }

    @Test
    void longDelaysAreCapped() {
        assertThat(delay("3600")).isEqualTo(CAP);
        assertThat(delay("99999999999999999999999")).isEqualTo(CAP);
        assertThat(delay("Thu, 22 Oct 2015 07:27:00 GMT")).isEqualTo(CAP);
    }

    @Test
    void unusableValuesAreAbsent() {
        assertThat(delay(null)).isEqualTo(RetryAfter.ABSENT);
        assertThat(delay("")).isEqualTo(RetryAfter.ABSENT);
        assertThat(delay("-5")).isEqualTo(RetryAfter.ABSENT);
        assertThat(delay("1.5")).isEqualTo(RetryAfter.ABSENT);
        assertThat(delay("soon")).isEqualTo(RetryAfter.ABSENT);
        assertThat(delay("Wed, 32 Oct 2015 07:27:05 GMT")).isEqualTo(RetryAfter.ABSENT);
    }

    @Test
    void theInstanceReadsItsClock() {
        RetryAfter retryAfter = new RetryAfter(Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(retryAfter.delayMillis("Wed, 21 Oct 2015 07:27:02 GMT", Duration.ofSeconds(10))).isEqualTo(2_000);
        assertThat(retryAfter.delayMillis("Wed, 21 Oct 2015 07:27:02 GMT", Duration.ofMillis(500))).isEqualTo(500);
    }
}
