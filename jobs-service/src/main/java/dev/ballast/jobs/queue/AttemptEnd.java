package dev.ballast.jobs.queue;

/** How one attempt ended, as the {@code job_attempts.outcome} column holds it. */
public enum AttemptEnd {
    SUCCEEDED("succeeded"),
    /** Failed in a way another attempt may fix; on the last attempt it is recorded as {@link #DEAD}. */
    RETRY("retry"),
    /** Failed for good: a permanent failure, or a retryable one with no attempt left. */
    DEAD("dead"),
    /** Ran past its type's budget; the job is retried like {@link #RETRY}, but the attempt says why. */
    TIMEOUT("timeout"),
    CANCELLED("cancelled"),
    SNOOZED("snoozed"),
    /** Its worker lost the lease (crashed or cut off) and the rescuer took the job back. */
    ABANDONED("abandoned");

    private final String column;

    AttemptEnd(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }
}
