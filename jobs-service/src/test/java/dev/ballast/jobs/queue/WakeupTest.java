package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How an idle pool hears of new jobs: NOTIFY (with polling so slow it cannot be what woke it), or polling alone
 * behind PgBouncer. Jobs are enqueued from another process, so the in-process wake-up plays no part.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WakeupTest {

    private TestDatabase db;
    private RunningJobsService enqueuer;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        enqueuer = RunningJobsService.startWorker(db, null, Map.of("ballast.jobs.workers.enabled", "false"));
    }

    @AfterAll
    void stop() {
        enqueuer.close();
        db.close();
    }

    private long enqueueElsewhere() {
        return TestJob.of("counting").enqueue(enqueuer.queue());
    }

    private long startDelayMillis(long id) {
        Map<String, Object> row = enqueuer.query("""
                SELECT j.created_at, a.started_at FROM jobs.jobs j JOIN jobs.job_attempts a ON a.job_id = j.id
                WHERE j.id = ?""", id).getFirst();
        return ((Timestamp) row.get("started_at")).getTime() - ((Timestamp) row.get("created_at")).getTime();
    }

    @Test
    void aNotifyWakesAnIdlePoolLongBeforeItsNextPoll() {
        // Polling every ten minutes: a job started within the test's wait was woken by the NOTIFY, however loaded
        // the machine (a wall-clock bound on the start would test the machine instead).
        try (RunningJobsService pool = RunningJobsService.startWorker(db, null, Map.of(
                "ballast.jobs.workers.poll-interval", "10m", "ballast.jobs.workers.rescue-interval", "10m"))) {
            await().atMost(Duration.ofSeconds(5)).until(() -> enqueuer.count(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                            + "AND application_name = 'jobs-service-listener' AND query LIKE 'LISTEN%'") == 1);
            for (int i = 0; i < 5; i++) {
                long id = enqueueElsewhere();
                await().atMost(Duration.ofSeconds(30)).until(() -> "succeeded".equals(
                        enqueuer.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id)));
                assertThat(startDelayMillis(id)).isLessThan(Duration.ofMinutes(1).toMillis());
            }
        }
    }

    @Test
    void behindPgBouncerThereIsNoListenAndPollingStillRunsJobs() {
        try (RunningJobsService pool = RunningJobsService.startWorker(db, null, Map.of(
                "ballast.db.pgbouncer", "true", "ballast.jobs.workers.poll-interval", "100ms"))) {
            long id = enqueueElsewhere();
            await().atMost(Duration.ofSeconds(5)).until(() -> "succeeded".equals(
                    enqueuer.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id)));
            assertThat(enqueuer.count("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                    + "AND application_name = 'jobs-service-listener'")).isZero();
        }
    }
}
