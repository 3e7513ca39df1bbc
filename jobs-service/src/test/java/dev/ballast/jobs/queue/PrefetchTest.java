package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pool claims beyond the jobs it can run at once only what it should finish within the prefetch window: fast
 * jobs by the hundred per claim statement, slow ones a slot at a time, so that a backlog of slow jobs is shared by
 * every replica instead of sitting claimed in the first one that looked.
 */
class PrefetchTest {

    private static final int CONCURRENCY = 2;

    @Test
    void slowJobsAreNotHoardedByOnePoolAndBothPoolsRunThem() throws Exception {
        try (TestDatabase db = TestPostgres.freshDatabase();
             RunningJobsService a = RunningJobsService.startWorker(db, null, settings("pool-a"));
             RunningJobsService b = RunningJobsService.startWorker(db, null, settings("pool-b"))) {
            UUID ws = UUID.randomUUID();
            List<JobQueue.NewJob> jobs = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                jobs.add(TestJob.of("sleepy").workspace(ws).payload("ms", 150).newJob());
            }
            a.queue().enqueueAll(jobs);

            long mostHeld = 0;
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (a.count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'") < 24) {
                assertThat(System.nanoTime()).as("all 24 jobs done within 30 s").isLessThan(until);
                for (Map<String, Object> row : a.query(
                        "SELECT count(*) AS n FROM jobs.jobs WHERE status = 'running' GROUP BY locked_by")) {
                    mostHeld = Math.max(mostHeld, ((Number) row.get("n")).longValue());
                }
                TimeUnit.MILLISECONDS.sleep(10);
            }
            // Before a handler has finished a pool may hold one extra job per slot; a 150 ms job then earns at
            // most one (2 slots x 20 ms / 150 ms). Batches of 256 would have let the first claim take all 24.
            assertThat(mostHeld).isLessThanOrEqualTo(2L * CONCURRENCY);
            Map<String, Object> byWorker = new HashMap<>();
            for (Map<String, Object> row : a.query("SELECT worker, count(*) AS n FROM jobs.job_attempts GROUP BY worker")) {
                byWorker.put((String) row.get("worker"), row.get("n"));
            }
            assertThat(byWorker).containsOnlyKeys("pool-a", "pool-b");
            assertThat(byWorker.values()).allSatisfy(n -> assertThat(((Number) n).longValue()).isGreaterThanOrEqualTo(6));
            assertThat(TestHandlers.runsAcross(TestHandlers.of(a), TestHandlers.of(b))).hasSize(24)
                    .allSatisfy((id, runs) -> assertThat(runs).isEqualTo(1));
        }
    }

    @Test
    void fastJobsAreClaimedManyPerStatement() throws Exception {
        try (TestDatabase db = TestPostgres.freshDatabase();
             RunningJobsService pool = RunningJobsService.startWorker(db, null, settings("pool-fast"))) {
            UUID ws = UUID.randomUUID();
            List<JobQueue.NewJob> jobs = new ArrayList<>();
            for (int i = 0; i < 3000; i++) {
                jobs.add(TestJob.of("counting").workspace(ws).newJob());
            }
            pool.queue().enqueueAll(jobs);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    pool.count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'") == 3000);

            long claims = pool.bean(MeterRegistry.class).get("ballast.jobs.claim.latency").timer().count();
            // Two slots claiming only what they can run would need 1,500 claims or more.
            assertThat(claims).as("claim statements for 3,000 jobs").isLessThan(3000 / (8 * CONCURRENCY));
            assertThat(TestHandlers.of(pool).runs()).hasSize(3000)
                    .allSatisfy((id, runs) -> assertThat(runs).isEqualTo(1));
            assertThat(TestHandlers.of(pool).totalRuns()).isEqualTo(3000);
        }
    }

    private static Map<String, Object> settings(String workerId) {
        return Map.of("ballast.jobs.workers.concurrency", String.valueOf(CONCURRENCY),
                "ballast.jobs.workers.worker-id", workerId);
    }
}
