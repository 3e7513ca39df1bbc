package dev.ballast.jobs.queue;

import io.micronaut.core.annotation.Nullable;

import java.time.Duration;

/**
 * What to write for one finished attempt: the job's next status and the attempt's outcome (the values of the
 * {@code job_attempts.outcome} check). Errors carry a class name and a truncated message, never payloads.
 */
public record AttemptOutcome(long id, int attempt, String type, String status, String outcome, Duration delay,
                             @Nullable String result, @Nullable String errorClass, @Nullable String error,
                             boolean snoozed, @Nullable String worker) {

    static final int MAX_ERROR = 500;

    public static AttemptOutcome succeeded(ClaimedJob job, @Nullable String result) {
        return new AttemptOutcome(job.id(), job.attempt(), job.type(), "succeeded", "succeeded", Duration.ZERO,
                result, null, null, false, job.worker());
    }

    public static AttemptOutcome snoozed(ClaimedJob job, Duration delay) {
        return new AttemptOutcome(job.id(), job.attempt(), job.type(), "available", "snoozed", delay, null, null,
                null, true, job.worker());
    }

    /** A failure: available again after {@code delay}, or dead when {@code retry} is null. */
    public static AttemptOutcome failed(ClaimedJob job, String outcome, @Nullable Duration retry, String errorClass,
                                        @Nullable String message) {
        String error = truncate(errorClass + (message == null || message.isBlank() ? "" : ": " + message));
        return new AttemptOutcome(job.id(), job.attempt(), job.type(), retry == null ? "dead" : "available",
                retry == null && outcome.equals("retry") ? "dead" : outcome, retry == null ? Duration.ZERO : retry,
                null, errorClass, error, false, job.worker());
    }

    private static String truncate(String s) {
        return s.length() <= MAX_ERROR ? s : s.substring(0, MAX_ERROR - 1) + "…";
    }
}
