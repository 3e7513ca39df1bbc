package dev.ballast.jobs.queue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AttemptOutcomeTest {

    private static final ClaimedJob JOB = new ClaimedJob(7, "t", UUID.randomUUID(), "{}", 3, 3, 0);

    @Test
    void aRetryableFailureWithAnAttemptLeftMakesTheJobAvailableAfterTheDelay() {
        AttemptOutcome o = AttemptOutcome.failed(JOB, AttemptEnd.RETRY, Duration.ofSeconds(2), "IOException", "reset");

        assertThat(o.status()).isEqualTo(JobState.AVAILABLE);
        assertThat(o.outcome()).isEqualTo(AttemptEnd.RETRY);
        assertThat(o.delay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(o.error()).isEqualTo("IOException: reset");
    }

    @Test
    void aRetryableFailureOnTheLastAttemptIsRecordedAsDead() {
        AttemptOutcome o = AttemptOutcome.failed(JOB, AttemptEnd.RETRY, null, "IOException", null);

        assertThat(o.status()).isEqualTo(JobState.DEAD);
        assertThat(o.outcome()).isEqualTo(AttemptEnd.DEAD);
        assertThat(o.delay()).isZero();
    }

    @Test
    void aTimeoutOnTheLastAttemptKillsTheJobButStillSaysTimeout() {
        AttemptOutcome o = AttemptOutcome.failed(JOB, AttemptEnd.TIMEOUT, null, "TIMEOUT", "ran past 30s");

        assertThat(o.status()).isEqualTo(JobState.DEAD);
        assertThat(o.outcome()).isEqualTo(AttemptEnd.TIMEOUT);
    }

    @Test
    void statesReadFromTheColumnAreTheStatesWrittenToIt() {
        Arrays.stream(JobState.values()).forEach(s -> assertThat(JobState.ofColumn(s.column())).isSameAs(s));
        assertThatThrownBy(() -> JobState.ofColumn("paused")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aSuccessAndASnoozeAreRecordedAsSuch() {
        AttemptOutcome ok = AttemptOutcome.succeeded(JOB, "{\"sent\":true}");
        assertThat(ok.status()).isEqualTo(JobState.SUCCEEDED);
        assertThat(ok.outcome()).isEqualTo(AttemptEnd.SUCCEEDED);
        assertThat(ok.result()).isEqualTo("{\"sent\":true}");
        assertThat(ok.snoozed()).isFalse();

        AttemptOutcome later = AttemptOutcome.snoozed(JOB, Duration.ofMinutes(5));
        assertThat(later.status()).isEqualTo(JobState.AVAILABLE);
        assertThat(later.outcome()).isEqualTo(AttemptEnd.SNOOZED);
        assertThat(later.delay()).isEqualTo(Duration.ofMinutes(5));
        assertThat(later.snoozed()).isTrue();
    }

    @Test
    void anErrorIsKeptWholeUpToFiveHundredCharactersAndCutWithAnEllipsisBeyond() {
        String fits = "x".repeat(AttemptOutcome.MAX_ERROR - "E: ".length());
        assertThat(AttemptOutcome.failed(JOB, AttemptEnd.RETRY, Duration.ZERO, "E", fits).error())
                .hasSize(AttemptOutcome.MAX_ERROR).isEqualTo("E: " + fits);
        String error = AttemptOutcome.failed(JOB, AttemptEnd.RETRY, Duration.ZERO, "E", fits + "y").error();
        assertThat(error).hasSize(AttemptOutcome.MAX_ERROR).endsWith("…").doesNotContain("y");
    }
}
