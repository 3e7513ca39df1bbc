package dev.ballast.jobs.queue;

/**
 * The work behind one job type. Workers look handlers up by {@link #type()}; any {@code @Singleton} implementing
 * this is registered. A handler must be idempotent: a job can run again after a crash, a lease expiry or a retry, so
 * every side effect is keyed (Idempotency-Key, ON CONFLICT, "already done" checks) and repeating a step changes
 * nothing.
 *
 * <p>Return {@link JobOutcome#succeeded} or {@link JobOutcome#snooze}; throw {@link PermanentJobFailure} for an
 * error no retry can fix (the job goes {@code dead} at once); any other exception is retried with backoff until the
 * job's attempts run out. The handler runs under the type's time budget and is interrupted past it.
 */
public interface JobHandler {

    /** The job type this handler runs, e.g. {@code email-inbound-post-process}. */
    String type();

    JobOutcome handle(JobContext job) throws Exception;
}
