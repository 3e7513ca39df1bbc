package dev.ballast.jobs.cron;

import dev.ballast.jobs.queue.JobQueue;
import dev.ballast.jobs.queue.RunningJobsService;
import dev.ballast.jobs.queue.TestHandlers;
import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** POST /cron/jobs/run with the worker pool off, as a cron-only deployment runs it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CronRunTest {

    private static final String TOKEN = "test-cron-token";
    /** ballast.jobs.cron.unit-timeout, left at its default: the ticks right after a cut need the time to reconnect. */
    private static final long UNIT_TIMEOUT_MS = 5000;
    /** What an answer may take beyond the time it promises (the rule: deadline + 1 s). */
    private static final long SLACK_MS = 1000;
    private TestDatabase db;
    private FaultProxy proxy;
    private RunningJobsService service;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        service = RunningJobsService.start(db, proxy, Map.of(
                "ballast.jobs.workers.enabled", "false",
                // Only ticks rescue here: a background rescue racing the tick would take the job it must count.
                "ballast.jobs.workers.rescue-interval", "10m",
                "ballast.jobs.cron.token", TOKEN,
                "ballast.jobs.cron.budget", "20s",
                "ballast.jobs.types.sleepy.timeout", "1s"));
    }

    @AfterAll
    void stop() {
        service.close();
        proxy.close();
        db.close();
    }

    private HttpResponse<String> run(String query, String... headers) {
        return service.post("/cron/jobs/run" + query, "", headers);
    }

    @Test
    void theTokenIsCheckedBeforeAnyDatabaseWork() {
        proxy.cut();
        try {
            long started = System.nanoTime();
            HttpResponse<String> none = run("");
            HttpResponse<String> wrong = run("", "Authorization", "Bearer nope");
            assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(2000);
            for (HttpResponse<String> r : new HttpResponse[] {none, wrong}) {
                assertThat(r.statusCode()).isEqualTo(401);
                assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                        t -> assertThat(t).startsWith("application/problem+json"));
            }
        } finally {
            proxy.restore();
        }
    }

    @Test
    void anUnreachableDatabaseIs503() {
        proxy.cut();
        try {
            HttpResponse<String> r = run("", "Authorization", "Bearer " + TOKEN);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.body()).contains("db_unreachable");
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
        } finally {
            proxy.restore();
        }
    }

    @Test
    void aTickRunsDueJobsAndAnswersCounts() {
        TestHandlers.of(service).reset();
        UUID ws = UUID.randomUUID();
        JobQueue queue = service.queue();
        for (int i = 0; i < 5; i++) {
            TestJob.of("counting").workspace(ws).enqueue(queue);
        }
        long dead = TestJob.of("permanent").workspace(ws).enqueue(queue);
        TestJob.of("counting").workspace(ws).later().enqueue(queue);

        HttpResponse<String> r = run("?budget=10s", "Authorization", "Bearer " + TOKEN);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"claimed\":6", "\"succeeded\":5", "\"dead\":1", "\"fenced\":0",
                "\"budgetMs\":10000", "\"stoppedBy\":\"drained\"");
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'")).isEqualTo(5);
        assertThat(service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", dead)).isEqualTo("dead");
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE status = 'available'")).isEqualTo(1);
    }

    @Test
    void aTickStopsAtItsBudgetSayingSoAndCountsWhatItRescuedAndWhatTimedOut() {
        TestHandlers.of(service).reset();
        UUID ws = UUID.randomUUID();
        JobQueue queue = service.queue();
        // a job whose worker died: its lease ran out a second ago
        long abandoned = TestJob.of("counting").workspace(ws).claimedBy("gone", Duration.ofSeconds(-1)).insert(service);
        // more work than the budget holds: each runs into its type's 1 s timeout and comes back for another try
        for (int i = 0; i < 30; i++) {
            TestJob.of("sleepy").workspace(ws).payload("ms", 60_000).maxAttempts(100).enqueue(queue);
        }
        try {
            long started = System.nanoTime();
            HttpResponse<String> r = run("?budget=3s", "Authorization", "Bearer " + TOKEN);
            long tookMs = (System.nanoTime() - started) / 1_000_000;

            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.body()).contains("\"stoppedBy\":\"budget\"", "\"rescued\":1", "\"budgetMs\":3000");
            assertThat(Integer.parseInt(r.body().replaceAll(".*\"timedOut\":(\\d+).*", "$1"))).isPositive();
            assertThat(tookMs).as("answered within its budget + 1 s").isLessThanOrEqualTo(3000 + SLACK_MS);
            // back in the queue (behind the jobs already due), its dead worker's attempt closed as abandoned
            assertThat(service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", abandoned)).isIn("available", "succeeded");
            assertThat(service.queryOne("SELECT outcome FROM jobs.job_attempts WHERE job_id = ? AND attempt = 1", abandoned))
                    .isEqualTo("abandoned");
        } finally {
            service.execute("DELETE FROM jobs.job_attempts WHERE job_id IN (SELECT id FROM jobs.jobs WHERE workspace_id = ?)", ws);
            service.execute("DELETE FROM jobs.jobs WHERE workspace_id = ?", ws);
        }
    }

    @Test
    void theBudgetIsCappedByTheKnobAndABadOneIs400() {
        HttpResponse<String> capped = run("?budget=5m", "Authorization", "Bearer " + TOKEN);
        HttpResponse<String> bad = run("?budget=soon", "Authorization", "Bearer " + TOKEN);

        assertThat(capped.statusCode()).isEqualTo(200);
        assertThat(capped.body()).contains("\"budgetMs\":20000");
        assertThat(bad.statusCode()).isEqualTo(400);
    }

    @Test
    void aTickOnADatabaseFrozenBeforeItAnswers503DbUnreachableWithinOneUnitTimeout() {
        proxy.freeze();
        HttpResponse<String> r;
        long tookMs;
        try {
            long started = System.nanoTime();
            r = run("?budget=10s", "Authorization", "Bearer " + TOKEN);
            tookMs = (System.nanoTime() - started) / 1_000_000;
        } finally {
            proxy.restore();
        }
        assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
        assertThat(r.body()).contains("\"reason\":\"db_unreachable\"");
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        assertThat(tookMs).isLessThanOrEqualTo(UNIT_TIMEOUT_MS + SLACK_MS);
        awaitTicksAnswerAgain();
    }

    @Test
    void aTickWhoseDatabaseFreezesInTheMiddleStopsEarlySayingWhyWithinItsBudget() throws Exception {
        TestHandlers.of(service).reset();
        UUID ws = UUID.randomUUID();
        long blocking = TestJob.of("blocking").workspace(ws).enqueue(service.queue());
        long budgetMs = 20_000;
        long started = System.nanoTime();
        CompletableFuture<HttpResponse<String>> tick = CompletableFuture.supplyAsync(
                () -> run("?budget=" + budgetMs + "ms", "Authorization", "Bearer " + TOKEN));
        HttpResponse<String> r;
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> TestHandlers.of(service).runs(blocking) == 1);
            // The tick holds a running job; the database hangs; the job ends and the tick claims again.
            proxy.freeze();
            TestHandlers.of(service).release();
            r = tick.get(budgetMs + 10_000, TimeUnit.MILLISECONDS);
        } finally {
            proxy.restore();
        }
        long tookMs = (System.nanoTime() - started) / 1_000_000;

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"claimed\":1", "\"stoppedBy\":\"db_unavailable\"");
        assertThat(tookMs).isLessThanOrEqualTo(budgetMs + SLACK_MS);
        // Well before the budget: the claim gave up after one unit timeout, the unwritten outcome after another.
        assertThat(tookMs).isLessThan(2 * UNIT_TIMEOUT_MS + SLACK_MS);
        // The outcome the tick could not wait for is written once the database answers again.
        await().atMost(Duration.ofSeconds(40)).until(() ->
                "succeeded".equals(service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", blocking)));
        awaitTicksAnswerAgain();
    }

    /** The pool refills after a freeze while the test goes on: the next test starts on a service that answers. */
    private void awaitTicksAnswerAgain() {
        await().atMost(Duration.ofSeconds(30)).until(() ->
                run("?budget=1s", "Authorization", "Bearer " + TOKEN).statusCode() == 200);
    }
}
