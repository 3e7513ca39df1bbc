package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The database connection is cut under running workers and restored: nothing lost, nothing done twice, no restart. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseCutTest {

    private static final int JOBS = 200;
    private TestDatabase db;
    private FaultProxy proxy;
    private RunningJobsService pool;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        pool = RunningJobsService.startWorker(db, proxy, Map.of(
                "ballast.jobs.workers.poll-interval", "30s",
                "ballast.jobs.workers.lease", "10s",
                // Callers give up on the pool well within the cut, so that outcomes really wait in memory.
                "datasources.default.connection-timeout", "500",
                "ballast.db.retry.max-retries", "1",
                "ballast.jobs.workers.heartbeat-interval", "1s",
                "ballast.jobs.workers.rescue-interval", "500ms"));
    }

    @AfterAll
    void stop() {
        pool.close();
        proxy.close();
        db.close();
    }

    @Test
    void workersSurviveADatabaseCutAndFinishEveryJobExactlyOnce() {
        TestHandlers.of(pool).reset();
        List<JobQueue.NewJob> jobs = new ArrayList<>();
        for (int i = 0; i < JOBS; i++) {
            jobs.add(TestJob.of("sleepy").payload("ms", 100).dedupeKey("cut-" + i).newJob());
        }
        pool.queue().enqueueAll(jobs);
        await().atMost(Duration.ofSeconds(20)).until(() -> TestHandlers.of(pool).runs().size() >= JOBS / 4);

        proxy.cut();
        try {
            // Handlers keep finishing while their outcomes cannot be written.
            await().pollDelay(Duration.ofSeconds(4)).atMost(Duration.ofSeconds(6)).until(() -> true);
        } finally {
            proxy.restore();
        }

        await().atMost(Duration.ofSeconds(60)).until(() ->
                pool.count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'") == JOBS);
        assertThat(pool.count("SELECT count(*) FROM jobs.jobs")).isEqualTo(JOBS);
        // One succeeded attempt per job.
        assertThat(pool.count("""
                SELECT count(*) FROM (SELECT job_id FROM jobs.job_attempts WHERE outcome = 'succeeded'
                                      GROUP BY job_id HAVING count(*) <> 1) x""")).isZero();
        assertThat(pool.count("SELECT count(DISTINCT job_id) FROM jobs.job_attempts WHERE outcome = 'succeeded'"))
                .isEqualTo(JOBS);
        assertThat(TestHandlers.of(pool).runs()).hasSize(JOBS);
        // Outcomes that met the cut were kept and written after it, not left to the lease to run again.
        assertThat(TestHandlers.of(pool).runs().values()).allSatisfy(n -> assertThat(n).isEqualTo(1));

        // The listener is back too: with polling at 30 s, a job enqueued elsewhere still starts at once.
        long id = ((Number) db.query("""
                INSERT INTO jobs.jobs (type, workspace_id) VALUES ('counting', gen_random_uuid()) RETURNING id""")
                .getFirst().get("id")).longValue();
        await().atMost(Duration.ofSeconds(5)).until(() -> "succeeded".equals(
                pool.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id)));
    }

    @Test
    void outcomesHeldThroughACutLongerThanTheLeaseAreFencedOffWhereAnotherReplicaRescuedTheJob() {
        try (TestDatabase own = TestPostgres.freshDatabase(); FaultProxy cutOff = FaultProxy.in(own);
             RunningJobsService held = RunningJobsService.startWorker(own, cutOff, Map.of(
                     "ballast.jobs.workers.worker-id", "held",
                     "ballast.jobs.workers.lease", "2s",
                     "ballast.jobs.workers.heartbeat-interval", "400ms",
                     "ballast.jobs.workers.concurrency", "4",
                     "datasources.default.connection-timeout", "500",
                     "ballast.db.retry.max-retries", "1"))) {
            List<JobQueue.NewJob> jobs = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                jobs.add(TestJob.of("sleepy").payload("ms", 150).dedupeKey("held-" + i).newJob());
            }
            held.queue().enqueueAll(jobs);
            TestHandlers heldRuns = TestHandlers.of(held);
            TestHandlers rescuerRuns = null;
            await().atMost(Duration.ofSeconds(20)).until(() -> heldRuns.runs().size() >= 4);

            cutOff.cut();
            RunningJobsService rescuer = null;
            try {
                // Handlers that finish now cannot write: their outcomes wait in memory...
                await().atMost(Duration.ofSeconds(10)).until(() -> unwritten(held) > 0);
                // ...while a replica that still reaches the database takes their jobs back once the leases run out.
                rescuer = RunningJobsService.startWorker(own, null, Map.of("ballast.jobs.workers.worker-id", "rescuer",
                        "ballast.jobs.workers.lease", "2s", "ballast.jobs.workers.heartbeat-interval", "400ms"));
                rescuerRuns = TestHandlers.of(rescuer);
                await().atMost(Duration.ofSeconds(20)).until(() -> own.count(
                        "SELECT count(*) FROM jobs.job_attempts WHERE worker = 'held' AND outcome = 'abandoned'") > 0);
                assertThat(unwritten(held)).isPositive();
            } finally {
                cutOff.restore();
            }
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    own.count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'") == 40);
            await().atMost(Duration.ofSeconds(10)).until(() -> unwritten(held) == 0);
            closeQuietly(rescuer);

            // The held outcomes of rescued jobs were refused, and every job still succeeded exactly once.
            assertThat(held.bean(MeterRegistry.class)
                    .get("ballast.jobs.fence.rejected").counter().count()).isPositive();
            assertThat(own.count("""
                    SELECT count(*) FROM jobs.jobs j
                    WHERE (SELECT count(*) FROM jobs.job_attempts a WHERE a.job_id = j.id AND a.outcome = 'succeeded') <> 1
                    """)).isZero();
            long abandoned = own.count("SELECT count(*) FROM jobs.job_attempts WHERE outcome = 'abandoned'");
            assertThat(abandoned).isPositive();
            // A rescued job ran once more, and only once; every other job ran once.
            Map<Long, Integer> runs = TestHandlers.runsAcross(heldRuns, rescuerRuns);
            assertThat(runs.values().stream().filter(n -> n == 2).count()).isEqualTo(abandoned);
            assertThat(runs.values()).allSatisfy(n -> assertThat(n).isBetween(1, 2));
            assertThat(own.count("SELECT count(*) FROM jobs.job_attempts")).isEqualTo(40 + abandoned);
        }
    }

    private static void closeQuietly(RunningJobsService service) {
        if (service != null) {
            service.close();
        }
    }

    private static double unwritten(RunningJobsService service) {
        return service.bean(MeterRegistry.class)
                .get("ballast.jobs.outcomes.unwritten").gauge().value();
    }
}
