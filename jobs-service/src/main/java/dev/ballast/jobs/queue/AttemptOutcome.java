package dev.ballast.jobs.queue;

import io.micronaut.core.annotation.Nullable;

import java.time.Duration;

/**
 * What to write for one finished attempt: the job's next status and the attempt's outcome (the values of the
 * {@code job_attempts.outcome} check). Errors carry a class name and a truncated message, never payloads.
 */
public record AttemptOutcome(long id, int attempt, String type, JobState status, AttemptEnd outcome, Duration delay,
                             @Nullable String result, @Nullable String errorClass, @Nullable String error,
                             boolean snoozed, @Nullable String worker) {

    static final int MAX_ERROR = 500;

    public static AttemptOutcome succeeded(ClaimedJob job, @Nullable String result) {
        return new AttemptOutcome(job.id(), job.attempt(), job.type(), JobState.SUCCEEDED, AttemptEnd.SUCCEEDED, Duration.ZERO,
                result, null, null, false, job.worker());
    }

    public static AttemptOutcome snoozed(ClaimedJob job, Duration delay) {
        return new AttemptOutcome(job.id(), job.attempt(), job.type(), JobState.AVAILABLE, AttemptEnd.SNOOZED, delay, null, null,
                null, true, job.worker());
    }

    /**
     * A failure: the job is available again after {@code retry}, or dead when {@code retry} is null. A
     * {@link AttemptEnd#RETRY} with no retry left is recorded as {@link AttemptEnd#DEAD}; a timeout keeps saying
     * timeout, so the attempt still tells why the job died.
     */
    public static AttemptOutcome failed(ClaimedJob job, AttemptEnd end, @Nullable Duration retry, String errorClass,
                                        @Nullable String message) {
        String error = truncate(errorClass + (message == null || message.isBlank() ? "" : ": " + message));
        boolean last = retry == null;
        return new AttemptOutcome(job.id(), job.attempt(), job.type(), last ? JobState.DEAD : JobState.AVAILABLE,
                last && end == AttemptEnd.RETRY ? AttemptEnd.DEAD : end, last ? Duration.ZERO : retry,
                null, errorClass, error, false, job.worker());
    }

    private static String truncate(String s) {
        return s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR - 1) + "…";
    }
}
