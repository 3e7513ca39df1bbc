package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.JvmProcess;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A worker process killed with SIGKILL while its handlers run (no shutdown hook, no outcome, no goodbye): another
 * replica takes its jobs back when their leases run out, and every job ends succeeded exactly once, as the attempt
 * rows show.
 */
class WorkerCrashTest {

    private static final int JOBS = 12;
    private static final Map<String, String> WORKER = Map.of(
            "ballast.jobs.workers.lease", "3s",
            "ballast.jobs.workers.heartbeat-interval", "500ms",
            "ballast.jobs.workers.poll-interval", "200ms",
            "ballast.jobs.workers.rescue-interval", "200ms",
            "ballast.jobs.workers.concurrency", "4",
            "ballast.jobs.workers.shutdown-grace", "0s");

    @Test
    void jobsOfAKilledWorkerProcessAreRescuedAndEachSucceedsExactlyOnce() {
        try (TestDatabase db = TestPostgres.freshDatabase();
             RunningJobsService enqueuer = RunningJobsService.startWorker(db, null,
                     Map.of("ballast.jobs.workers.enabled", "false"))) {
            Map<String, String> props = new HashMap<>(db.datasourceProperties());
            props.putAll(WORKER);
            props.put("ballast.jobs.workers.worker-id", "victim");
            props.put("micronaut.server.port", "-1");
            props.put("micronaut.environments", "test");
            List<Long> ids;
            try (JvmProcess victim = JvmProcess.start("dev.ballast.jobs.Application", props,
                    Path.of("target", "worker-crash-victim.log"))) {
                Map<String, JsonNode> slow = Map.of("ms", JsonNode.createNumberNode(2_000));
                for (int i = 0; i < JOBS; i++) {
                    TestJob.of("sleepy").payload(slow).enqueue(enqueuer.queue());
                }
                await().atMost(Duration.ofSeconds(90)).until(() -> enqueuer.count(
                        "SELECT count(*) FROM jobs.jobs WHERE status = 'running' AND locked_by = 'victim'") >= 2);

                victim.kill();
                ids = enqueuer.query("SELECT id FROM jobs.jobs WHERE status = 'running' AND locked_by = 'victim'")
                        .stream().map(r -> ((Number) r.get("id")).longValue()).toList();
            }
            assertThat(ids).isNotEmpty();

            Map<String, Object> survivor = new HashMap<>(WORKER);
            survivor.put("ballast.jobs.workers.worker-id", "survivor");
            try (RunningJobsService ignored = RunningJobsService.startWorker(db, null, survivor)) {
                await().atMost(Duration.ofSeconds(90)).until(() -> enqueuer.count(
                        "SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'") == JOBS);
            }

            assertThat(enqueuer.count("""
                    SELECT count(*) FROM jobs.jobs j
                    WHERE (SELECT count(*) FROM jobs.job_attempts a WHERE a.job_id = j.id AND a.outcome = 'succeeded') <> 1
                    """)).as("jobs without exactly one succeeded attempt").isZero();
            for (long id : ids) {
                assertThat(enqueuer.query("SELECT worker, outcome FROM jobs.job_attempts WHERE job_id = ? ORDER BY attempt", id))
                        .extracting(r -> r.get("worker") + ":" + r.get("outcome"))
                        .containsExactly("victim:abandoned", "survivor:succeeded");
            }
            assertThat(enqueuer.count("SELECT count(*) FROM jobs.job_attempts")).isEqualTo(JOBS + ids.size());
        }
    }
}
