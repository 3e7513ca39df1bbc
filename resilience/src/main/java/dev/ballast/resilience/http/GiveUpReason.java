package dev.ballast.resilience.http;

/** Why a failed call was not tried again. */
public enum GiveUpReason {

    /** The retry matrix says this outcome is not retried for this kind of request. */
    NOT_RETRYABLE,

    /** Every configured attempt was used. */
    ATTEMPTS_EXHAUSTED,

    /** The overall deadline leaves no time for the next try (or had already passed). */
    DEADLINE,

    /** The client's retry budget for the window is spent. */
    BUDGET_EXHAUSTED,

    /** The (workspace, provider) circuit breaker is open. */
    BREAKER_OPEN,

    /** The caller went away. */
    CALLER_CANCELLED,

    /** We are stopping. */
    SHUTDOWN;

    public String tag() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
