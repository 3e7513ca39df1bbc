package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pool whose outcome writes cannot get through stops claiming: at most {@code concurrency + batch} jobs sit
 * {@code running} with their outcomes only in memory (any more would be run twice if the writer lagged past the lease).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnwrittenOutcomesTest {

    private static final int CONCURRENCY = 4;
    private static final int BATCH = 4;
    private TestDatabase db;
    private RunningJobsService pool;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        pool = RunningJobsService.startWorker(db, null, Map.of(
                "ballast.jobs.workers.concurrency", String.valueOf(CONCURRENCY),
                "ballast.jobs.workers.batch-size", String.valueOf(BATCH)));
    }

    @AfterAll
    void stop() {
        pool.close();
        db.close();
    }

    private int handlerRuns() {
        return TestHandlers.of(pool).totalRuns();
    }

    @Test
    void claimsStopWhileOutcomesCannotBeWrittenAndEveryJobRunsOnceWhenTheyCan() throws Exception {
        TestHandlers.of(pool).reset();
        UUID ws = UUID.randomUUID();
        List<JobQueue.NewJob> jobs = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            jobs.add(TestJob.of("counting").workspace(ws).newJob());
        }
        int held = CONCURRENCY + BATCH;
        try (Connection blocker = db.connect(); Statement st = blocker.createStatement()) {
            blocker.setAutoCommit(false);
            // Every outcome write inserts its attempt's row and so waits for this lock; claims never touch the table.
            st.execute("LOCK TABLE jobs.job_attempts IN EXCLUSIVE MODE");
            pool.queue().enqueueAll(jobs);

            await().atMost(Duration.ofSeconds(5)).until(() -> handlerRuns() >= held);
            // Well under the statement timeout, so the blocked write stays blocked rather than failing.
            await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() ->
                    handlerRuns() <= held && pool.count("SELECT count(*) FROM jobs.jobs WHERE status = 'running'") <= held);
            assertThat(pool.count("SELECT count(*) FROM jobs.jobs WHERE status = 'available'")).isEqualTo(200 - held);
            blocker.rollback();
        }

        await().atMost(Duration.ofSeconds(20)).until(() ->
                pool.count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'") == 200);
        assertThat(TestHandlers.of(pool).runs()).hasSize(200).allSatisfy((id, runs) -> assertThat(runs).isEqualTo(1));
        assertThat(pool.count("SELECT count(*) FROM jobs.job_attempts WHERE outcome = 'succeeded' AND attempt = 1"
                + " AND started_at <= finished_at AND worker IS NOT NULL")).isEqualTo(200);
    }
}
