package dev.ballast.jobs.queue;

import dev.ballast.resilience.db.SchemaMigrator;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.ServiceUnderTest;
import dev.ballast.testsupport.TestDatabase;
import io.micronaut.core.annotation.Nullable;

import java.time.Duration;
import java.util.Map;

/**
 * jobs-service started for real on a test database the test owns (directly or through its fault proxy), driven over
 * HTTP and SQL; several may share one database as replicas.
 */
public final class RunningJobsService extends ServiceUnderTest {

    /** Properties every test context starts with: quick polling and short backoffs. */
    public static final Map<String, Object> FAST = Map.of(
            "ballast.jobs.workers.poll-interval", "200ms",
            "ballast.jobs.workers.rescue-interval", "200ms",
            "ballast.jobs.defaults.backoff-base", "20ms",
            "ballast.jobs.defaults.backoff-cap", "100ms",
            "ballast.db.retry.base", "50ms",
            "ballast.db.retry.cap", "200ms");

    private RunningJobsService(Setup setup) {
        super(setup);
    }

    /** With an HTTP server; {@code proxy} null connects directly. */
    public static RunningJobsService start(TestDatabase db, @Nullable FaultProxy proxy, Map<String, Object> properties) {
        return new RunningJobsService(setup(db, proxy, properties));
    }

    /** A worker process without HTTP (another replica on the same database). */
    public static RunningJobsService startWorker(TestDatabase db, @Nullable FaultProxy proxy, Map<String, Object> properties) {
        return new RunningJobsService(setup(db, proxy, properties).withoutServer());
    }

    private static Setup setup(TestDatabase db, @Nullable FaultProxy proxy, Map<String, Object> properties) {
        // A cron tick may take its whole budget (up to a minute) before it answers.
        return ServiceUnderTest.setup().database(db, false).proxy(proxy).properties(FAST).properties(properties)
                .readyWhen(s -> s.bean(SchemaMigrator.class).migrated()).requestTimeout(Duration.ofSeconds(70));
    }

    public JobQueue queue() {
        return bean(JobQueue.class);
    }
}
