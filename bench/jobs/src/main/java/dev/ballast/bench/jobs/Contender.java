package dev.ballast.bench.jobs;

/**
 * One job system under test, running in this JVM against its own database on the bench's PostgreSQL. Its handler
 * does nothing but {@link Tally#record}.
 */
interface Contender extends AutoCloseable {

    /** Short name used in the printed figures, e.g. {@code dbscheduler}. */
    String name();

    /** The database it keeps its jobs in. */
    String database();

    /** The settings it runs with, and why, in one line. */
    String settings();

    /** Starts the workers; after this, enqueued jobs run. */
    void start() throws Exception;

    /** Jobs {@code first .. first+count-1} of {@code phase}, through the system's own batch API, in one call. */
    void enqueueBatch(int phase, int first, int count) throws Exception;

    /** Job {@code job} of {@code phase}, through the system's single-job API. */
    void enqueueOne(int phase, int job) throws Exception;

    /** Jobs in the store that have not finished yet (queued, picked or running). */
    long unfinished() throws Exception;

    /** Jobs of the store that finished as anything but success (failed, dead), ever. */
    long failed() throws Exception;

    @Override
    void close() throws Exception;
}
