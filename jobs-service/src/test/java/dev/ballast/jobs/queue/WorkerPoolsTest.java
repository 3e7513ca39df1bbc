package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Four worker processes (application contexts) on one database compete for the same jobs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkerPoolsTest {

    private TestDatabase db;
    private final List<RunningJobsService> pools = new ArrayList<>();

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        for (int i = 0; i < 4; i++) {
            pools.add(RunningJobsService.startWorker(db, null, Map.of(
                    "ballast.jobs.workers.worker-id", "pool-" + i,
                    "ballast.jobs.workers.concurrency", "8",
                    "datasources.default.maximum-pool-size", "4")));
        }
    }

    @AfterAll
    void stop() {
        pools.forEach(RunningJobsService::close);
        db.close();
    }

    @Test
    void fourPoolsCompetingForTwoThousandJobsRunEachExactlyOnce() {
        UUID ws = UUID.randomUUID();
        List<JobQueue.NewJob> jobs = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            jobs.add(TestJob.of("counting").workspace(ws).newJob());
        }
        // Enqueued through one pool in bulk chunks; the others hear of them by NOTIFY.
        for (int i = 0; i < jobs.size(); i += 500) {
            pools.get(i / 500).queue().enqueueAll(jobs.subList(i, i + 500));
        }

        await().atMost(Duration.ofSeconds(60)).until(() ->
                pools.getFirst().count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'") == 2000);

        Map<Long, Integer> runs = TestHandlers.runsAcross(pools.stream().map(TestHandlers::of).toArray(TestHandlers[]::new));
        assertThat(runs).hasSize(2000);
        assertThat(runs.values()).allSatisfy(n -> assertThat(n).isEqualTo(1));
        RunningJobsService any = pools.getFirst();
        assertThat(any.count("SELECT count(*) FROM jobs.job_attempts")).isEqualTo(2000);
        assertThat(any.count("SELECT count(*) FROM jobs.job_attempts WHERE outcome = 'succeeded' AND attempt = 1"))
                .isEqualTo(2000);
        assertThat(any.count("SELECT count(*) FROM jobs.jobs WHERE attempt <> 1 OR result->>'attempt' <> '1'")).isZero();
        // Every pool took part.
        assertThat(any.count("SELECT count(DISTINCT worker) FROM jobs.job_attempts")).isEqualTo(4);
    }
}
