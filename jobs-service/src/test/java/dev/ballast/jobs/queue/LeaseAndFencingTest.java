package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Crashed workers, lease expiry, the fence on outcome writes, and cancellation of a running job. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LeaseAndFencingTest {

    private static final Map<String, Object> SHORT_LEASE = Map.of(
            "ballast.jobs.workers.lease", "1500ms",
            "ballast.jobs.workers.heartbeat-interval", "300ms",
            "ballast.jobs.workers.shutdown-grace", "0s");
    private TestDatabase db;
    private RunningJobsService service;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        service = RunningJobsService.start(db, null, SHORT_LEASE);
    }

    @AfterAll
    void stop() {
        service.close();
        db.close();
    }

    @BeforeEach
    void reset() {
        TestHandlers.of(service).reset();
    }

    private long enqueue(String type) {
        return TestJob.of(type).enqueue(service.queue());
    }

    private Object status(long id) {
        return service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id);
    }

    @Test
    void aJobOfACrashedWorkerRunsAgainAfterItsLeaseAndTheLateCompletionIsFencedOff() {
        JobStore store = service.bean(JobStore.class);
        long id = crashedWorkersJob(TestJob.of("counting"));
        ClaimedJob crashed = new ClaimedJob(id, "counting", UUID.randomUUID(), "{}", 1, 5, 0);

        await().atMost(Duration.ofSeconds(10)).until(() -> "succeeded".equals(status(id)));

        assertThat(TestHandlers.of(service).runs(id)).isEqualTo(1);
        assertThat(service.query("SELECT outcome FROM jobs.job_attempts WHERE job_id = ? ORDER BY attempt", id))
                .extracting(r -> r.get("outcome")).containsExactly("abandoned", "succeeded");
        // The crashed worker comes back and reports its old attempt: nothing changes.
        String row = "SELECT status, attempt, result::text, last_error, run_at, finished_at FROM jobs.jobs WHERE id = ?";
        Map<String, Object> before = service.query(row, id).getFirst();
        assertThat(store.complete(List.of(AttemptOutcome.succeeded(crashed, "{\"late\":true}")))).isEmpty();
        assertThat(store.complete(List.of(AttemptOutcome.failed(crashed, AttemptEnd.RETRY, Duration.ZERO,
                "IllegalStateException", "late")))).isEmpty();
        assertThat(service.query(row, id).getFirst()).isEqualTo(before);
        assertThat(service.query("SELECT outcome FROM jobs.job_attempts WHERE job_id = ? ORDER BY attempt", id))
                .extracting(r -> r.get("outcome")).containsExactly("abandoned", "succeeded");
    }

    @Test
    void theFinisherOfAnAbandonedAttemptCannotOverwriteTheAttemptRunningNow() {
        JobStore store = service.bean(JobStore.class);
        UUID workspace = UUID.randomUUID();
        long id = crashedWorkersJob(TestJob.of("blocking").workspace(workspace));
        ClaimedJob crashed = new ClaimedJob(id, "blocking", workspace, "{}", 1, 5, 0);
        // Rescued after the lease, then claimed again by the resident workers: attempt 2 is in its handler.
        await().atMost(Duration.ofSeconds(10)).until(() -> TestHandlers.of(service).runs(id) == 1);
        String row = "SELECT status, attempt, locked_by, result::text, last_error, finished_at FROM jobs.jobs WHERE id = ?";
        Map<String, Object> attempt2 = service.query(row, id).getFirst();
        assertThat(attempt2).containsEntry("status", "running").containsEntry("attempt", 2);

        // The dangerous case: attempt 1's finisher reports while attempt 2 runs. A fence on status alone lets it in.
        assertThat(store.complete(List.of(AttemptOutcome.succeeded(crashed, "{\"attempt\":1}")))).isEmpty();
        assertThat(store.complete(List.of(AttemptOutcome.failed(crashed, AttemptEnd.DEAD, null,
                "IllegalStateException", "late")))).isEmpty();
        assertThat(service.query(row, id).getFirst()).isEqualTo(attempt2);

        TestHandlers.of(service).release();
        await().atMost(Duration.ofSeconds(10)).until(() -> "succeeded".equals(status(id)));
        assertThat(service.queryOne("SELECT result::text FROM jobs.jobs WHERE id = ?", id)).isNotEqualTo("{\"attempt\": 1}");
        assertThat(service.query("SELECT attempt, outcome FROM jobs.job_attempts WHERE job_id = ? ORDER BY attempt", id))
                .extracting(r -> r.get("outcome")).containsExactly("abandoned", "succeeded");
        assertThat(TestHandlers.of(service).runs(id)).isEqualTo(1);
    }

    @Test
    void aJobWhoseLastAttemptIsAbandonedIsMarkedDeadByTheRescuerAndNotRunAgain() {
        long id = crashedWorkersJob(TestJob.of("counting").maxAttempts(1));

        await().atMost(Duration.ofSeconds(10)).until(() -> "dead".equals(status(id)));

        assertThat(service.query("SELECT finished_at, lease_until, last_error FROM jobs.jobs WHERE id = ?", id).getFirst())
                .satisfies(r -> assertThat(r.get("finished_at")).isNotNull())
                .satisfies(r -> assertThat(r.get("lease_until")).isNull())
                .satisfies(r -> assertThat((String) r.get("last_error")).contains("lease expired"));
        assertThat(service.query("SELECT outcome, error_class FROM jobs.job_attempts WHERE job_id = ?", id))
                .singleElement().satisfies(r -> assertThat(r).containsEntry("outcome", "abandoned")
                        .containsEntry("error_class", "LEASE_EXPIRED"));
        // Dead is final: the resident workers, polling all along, never ran it.
        assertThat(TestHandlers.of(service).runs(id)).isZero();
    }

    /** A job claimed as the claim statement does, by a worker that then dies: no heartbeat, no outcome. */
    private long crashedWorkersJob(TestJob job) {
        return job.claimedBy("crashed-worker", Duration.ofMillis(1500)).insert(service);
    }

    @Test
    void aWorkerProcessStoppedMidJobLeavesTheJobToBeRunAgainAfterTheLease() {
        try (TestDatabase own = TestPostgres.freshDatabase()) {
            long id;
            TestHandlers doomedRuns;
            try (RunningJobsService doomed = RunningJobsService.startWorker(own, null, Map.of(
                    "ballast.jobs.workers.worker-id", "doomed", "ballast.jobs.workers.lease", "1500ms",
                    "ballast.jobs.workers.heartbeat-interval", "300ms", "ballast.jobs.workers.shutdown-grace", "0s"))) {
                doomedRuns = TestHandlers.of(doomed);
                id = TestJob.of("blocking").enqueue(doomed.queue());
                await().atMost(Duration.ofSeconds(5)).until(() -> doomedRuns.runs(id) == 1);
            }
            // Stopped with the handler still running: the outcome is not written, the lease still holds.
            assertThat(own.query("SELECT status FROM jobs.jobs WHERE id = ?", id).getFirst())
                    .containsEntry("status", "running");
            doomedRuns.release();
            try (RunningJobsService survivor = RunningJobsService.startWorker(own, null, SHORT_LEASE)) {
                TestHandlers.of(survivor).release();
                await().atMost(Duration.ofSeconds(10)).until(() -> "succeeded".equals(
                        survivor.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id)));
                assertThat(TestHandlers.runsAcross(doomedRuns, TestHandlers.of(survivor))).containsEntry(id, 2);
                assertThat(survivor.query("SELECT outcome, worker FROM jobs.job_attempts WHERE job_id = ? ORDER BY attempt", id))
                        .extracting(r -> r.get("outcome")).containsExactly("abandoned", "succeeded");
            }
        }
    }

    @Test
    void aRunningJobThatIsCancelledIsNotOverwrittenByItsFinisher() {
        long id = enqueue("blocking");
        await().atMost(Duration.ofSeconds(5)).until(() -> TestHandlers.of(service).runs(id) == 1);
        service.execute("UPDATE jobs.jobs SET status = 'cancelled', finished_at = now() WHERE id = ?", id);

        // The heartbeat notices and interrupts the handler; releasing it as well covers either order.
        await().atMost(Duration.ofSeconds(5)).until(() -> TestHandlers.of(service).interrupted(id));
        TestHandlers.of(service).release();

        await().atMost(Duration.ofSeconds(5)).until(() -> "cancelled".equals(
                service.queryOne("SELECT outcome FROM jobs.job_attempts WHERE job_id = ?", id)));
        assertThat(status(id)).isEqualTo("cancelled");
        assertThat(service.count("SELECT count(*) FROM jobs.job_attempts WHERE job_id = ? AND outcome = 'succeeded'", id))
                .isZero();
    }

    @Test
    void aLongJobKeepsItsLeaseByHeartbeatAndRunsOnce() {
        long id = TestJob.of("sleepy").payload("ms", 4000).enqueue(service.queue());

        await().atMost(Duration.ofSeconds(15)).until(() -> "succeeded".equals(status(id)));

        assertThat(TestHandlers.of(service).runs(id)).isEqualTo(1);
        assertThat(service.count("SELECT count(*) FROM jobs.job_attempts WHERE job_id = ?", id)).isEqualTo(1);
    }
}
