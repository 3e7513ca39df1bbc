package dev.ballast.jobs.queue;

/** An error no retry can fix (bad payload, a 4xx that is not 429, a missing entity): the job goes dead at once. */
public class PermanentJobFailure extends RuntimeException {

    public PermanentJobFailure(String message) {
        super(message);
    }

    public PermanentJobFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
