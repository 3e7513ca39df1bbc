package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.sql.Timestamp;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What each kind of handler outcome leaves in jobs and job_attempts, and pruning of finished jobs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutcomesTest {

    private TestDatabase db;
    private RunningJobsService service;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        service = RunningJobsService.start(db, null, Map.of(
                "ballast.jobs.types.flaky.backoff-base", "400ms",
                "ballast.jobs.types.flaky.backoff-cap", "5s",
                "ballast.jobs.types.flaky.max-attempts", "4",
                "ballast.jobs.types.sleepy.timeout", "300ms",
                "ballast.jobs.types.sleepy.max-attempts", "2",
                "ballast.jobs.no-handler.wait", "300ms",
                "ballast.jobs.no-handler.recheck", "100ms",
                "ballast.jobs.retention", "1h",
                "ballast.jobs.prune-batch-size", "2"));
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

    private long enqueue(String type, Map<String, JsonNode> payload) {
        return TestJob.of(type).payload(payload).enqueue(service.queue());
    }

    private Map<String, Object> job(long id) {
        return service.query("SELECT status, attempt, max_attempts, snoozes, last_error, result::text AS result, "
                + "finished_at FROM jobs.jobs WHERE id = ?", id).getFirst();
    }

    private List<Map<String, Object>> attempts(long id) {
        return service.query("SELECT attempt, outcome, error_class, error, started_at, finished_at FROM jobs.job_attempts "
                + "WHERE job_id = ? ORDER BY attempt", id);
    }

    private void awaitStatus(long id, String status) {
        await().atMost(Duration.ofSeconds(15)).until(() -> status.equals(job(id).get("status")));
    }

    @Test
    void successStoresTheResult() {
        long id = enqueue("counting", Map.of());
        awaitStatus(id, "succeeded");
        assertThat(job(id).get("result")).isEqualTo("{\"attempt\": 1}");
        assertThat(job(id).get("finished_at")).isNotNull();
        assertThat(attempts(id)).singleElement().satisfies(a -> assertThat(a.get("outcome")).isEqualTo("succeeded"));
    }

    @Test
    void aPermanentErrorIsDeadAfterOneAttemptWithItsError() {
        long id = enqueue("permanent", Map.of());
        awaitStatus(id, "dead");
        assertThat(job(id)).containsEntry("attempt", 1)
                .containsEntry("last_error", "PermanentJobFailure: lead 42 does not exist");
        assertThat(attempts(id)).singleElement().satisfies(a -> {
            assertThat(a.get("outcome")).isEqualTo("dead");
            assertThat(a.get("error_class")).isEqualTo("PermanentJobFailure");
        });
        assertThat(TestHandlers.of(service).runs(id)).isEqualTo(1);
    }

    @Test
    void aTransientErrorBacksOffWithGrowingJitteredDelaysThenSucceeds() {
        long id = enqueue("flaky", Map.of("failures", JsonNode.createNumberNode(3)));
        awaitStatus(id, "succeeded");

        List<Map<String, Object>> a = attempts(id);
        assertThat(a).extracting(r -> r.get("outcome")).containsExactly("retry", "retry", "retry", "succeeded");
        assertThat(a).extracting(r -> r.get("error_class")).containsExactly(
                "IllegalStateException", "IllegalStateException", "IllegalStateException", null);
        long total = 0;
        for (int retry = 1; retry <= 3; retry++) {
            long gap = millis(a.get(retry).get("started_at")) - millis(a.get(retry - 1).get("finished_at"));
            long ceiling = 400L << (retry - 1);
            // Full jitter: somewhere in [0, ceiling], plus some slack for the claim.
            assertThat(gap).as("gap before retry %d", retry).isBetween(0L, ceiling + 300);
            total += gap;
        }
        // Without backoff the three gaps take a few milliseconds (the pool wakes itself when a retry is due).
        assertThat(total).isGreaterThan(60);
        assertThat(job(id).get("last_error")).isEqualTo("IllegalStateException: provider answered 503");
    }

    @Test
    void aTransientErrorOnTheLastAttemptIsDead() {
        long id = enqueue("flaky", Map.of("failures", JsonNode.createNumberNode(10)));
        awaitStatus(id, "dead");
        assertThat(attempts(id)).extracting(r -> r.get("outcome")).containsExactly("retry", "retry", "retry", "dead");
        assertThat(TestHandlers.of(service).runs(id)).isEqualTo(4);
    }

    @Test
    void aHandlerPastItsBudgetIsInterruptedAndTheAttemptRecordedTimeout() {
        long id = enqueue("sleepy", Map.of("ms", JsonNode.createNumberNode(60_000)));
        awaitStatus(id, "dead");
        assertThat(TestHandlers.of(service).interrupted(id)).isTrue();
        assertThat(attempts(id)).extracting(r -> r.get("outcome")).containsExactly("timeout", "timeout");
        assertThat(attempts(id)).extracting(r -> r.get("error_class")).containsOnly("TIMEOUT");
        Map<String, Object> first = attempts(id).getFirst();
        assertThat(millis(first.get("finished_at")) - millis(first.get("started_at"))).isBetween(250L, 5_000L);
    }

    @Test
    void aSnoozeSpendsNoAttempt() {
        long id = TestJob.of("snoozing").maxAttempts(1).enqueue(service.queue());
        awaitStatus(id, "succeeded");
        assertThat(job(id)).containsEntry("attempt", 2).containsEntry("snoozes", 1).containsEntry("max_attempts", 1);
        assertThat(attempts(id)).extracting(r -> r.get("outcome")).containsExactly("snoozed", "succeeded");
    }

    @Test
    void aTypeWithoutHandlerIsSnoozedWithoutSpendingAttemptsThenDeadWithAClearError() {
        long id = enqueue("no-such-handler", Map.of());
        awaitStatus(id, "dead");
        assertThat((String) job(id).get("last_error")).contains("no handler for job type no-such-handler after waiting");
        // snoozed every 100 ms until 300 ms were waited, then dead: no attempt of the type's budget was spent on it
        assertThat(attempts(id)).extracting(r -> r.get("outcome")).containsExactly("snoozed", "snoozed", "snoozed", "dead");
        assertThat(attempts(id).getLast()).containsEntry("error_class", "NoHandler");
        assertThat(job(id)).containsEntry("snoozes", 3);
    }

    @Test
    void finishedJobsPastTheRetentionArePrunedWithTheirAttemptsLiveOnesKept() {
        long old1 = enqueue("counting", Map.of());
        long old2 = enqueue("permanent", Map.of());
        long recent = enqueue("counting", Map.of());
        awaitStatus(old1, "succeeded");
        awaitStatus(old2, "dead");
        awaitStatus(recent, "succeeded");
        long live = TestJob.of("counting").later().enqueue(service.queue());
        // As they would be: created before they finished, and everything created before them older still.
        service.execute("UPDATE jobs.jobs SET created_at = now() - interval '3 hours' WHERE id < ?", old1);
        service.execute("UPDATE jobs.jobs SET created_at = now() - interval '2 hours', finished_at = now() - interval '2 hours' "
                + "WHERE id IN (?, ?)", old1, old2);
        service.execute("UPDATE jobs.jobs SET created_at = now() - interval '2 hours' WHERE id = ?", live);

        long pruned = service.bean(JobPruner.class).prune();

        assertThat(pruned).isGreaterThanOrEqualTo(2);
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE id IN (?, ?)", old1, old2)).isZero();
        assertThat(service.count("SELECT count(*) FROM jobs.job_attempts WHERE job_id IN (?, ?)", old1, old2)).isZero();
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE id IN (?, ?)", recent, live)).isEqualTo(2);
    }

    @Test
    void pruningWalksThePrimaryKeyInStepsAndStopsAtTheFirstStepWithNothingOldEnough() {
        List<Long> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 12; i++) {
            ids.add(enqueue("counting", Map.of()));
        }
        ids.forEach(id -> awaitStatus(id, "succeeded"));
        // The first 8 jobs are 3 h old and finished, except the 4th: still waiting for a run far ahead.
        for (int i = 0; i < 8; i++) {
            service.execute("UPDATE jobs.jobs SET created_at = now() - interval '3 hours', "
                    + "finished_at = now() - interval '3 hours' WHERE id = ?", ids.get(i));
        }
        service.execute("UPDATE jobs.jobs SET status = 'available', finished_at = NULL, run_at = now() + interval '1 day' "
                + "WHERE id = ?", ids.get(3));
        JobStore store = service.bean(JobStore.class);
        long cursor = ids.getFirst() - 1;
        int steps = 0;
        int deleted = 0;
        JobStore.PruneStep step;
        do {
            step = store.prune(cursor, java.time.Duration.ofHours(1), 3);
            deleted += step.deleted();
            cursor = step.lastId();
            steps++;
        } while (step.more(3));

        assertThat(deleted).isEqualTo(7);
        // Steps of 3: [0-2] [3-5] [6-8] (6, 7 old) [9-11] (nothing old: stop), and never further.
        assertThat(steps).isEqualTo(4);
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE id = ANY (?)", (Object) ids.toArray(Long[]::new)))
                .isEqualTo(5);
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE id = ? AND status = 'available'", ids.get(3)))
                .isEqualTo(1);
        assertThat(service.count("SELECT count(*) FROM jobs.job_attempts WHERE job_id = ANY (?)",
                (Object) ids.subList(0, 8).toArray(Long[]::new))).isEqualTo(1);
    }

    private static long millis(Object timestamp) {
        return ((Timestamp) timestamp).getTime();
    }
}
