package dev.ballast.jobs.cron;

import dev.ballast.jobs.queue.JobQueue;
import dev.ballast.jobs.queue.RunningJobsService;
import dev.ballast.jobs.queue.TestHandlers;
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

import static org.assertj.core.api.Assertions.assertThat;

/** POST /cron/jobs/run with the worker pool off, as a cron-only deployment runs it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CronRunTest {

    private static final String TOKEN = "test-cron-token";
    private TestDatabase db;
    private FaultProxy proxy;
    private RunningJobsService service;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        service = RunningJobsService.start(db, proxy, Map.of(
                "ballast.jobs.workers.enabled", "false",
                "ballast.jobs.cron.token", TOKEN,
                "ballast.jobs.cron.budget", "20s"));
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
        TestHandlers.reset();
        UUID ws = UUID.randomUUID();
        JobQueue queue = service.queue();
        for (int i = 0; i < 5; i++) {
            queue.enqueue(new JobQueue.NewJob("counting", ws, null, null, null, null, null));
        }
        long dead = queue.enqueue(new JobQueue.NewJob("permanent", ws, null, null, null, null, null)).id();
        queue.enqueue(new JobQueue.NewJob("counting", ws, null, null, java.time.Instant.now().plusSeconds(3600), null, null));

        HttpResponse<String> r = run("?budget=10s", "Authorization", "Bearer " + TOKEN);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains("\"claimed\":6", "\"succeeded\":5", "\"dead\":1", "\"fenced\":0",
                "\"budgetMs\":10000", "\"stoppedBy\":\"drained\"");
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'")).isEqualTo(5);
        assertThat(service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", dead)).isEqualTo("dead");
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE status = 'available'")).isEqualTo(1);
    }

    @Test
    void theBudgetIsCappedByTheKnobAndABadOneIs400() {
        HttpResponse<String> capped = run("?budget=5m", "Authorization", "Bearer " + TOKEN);
        HttpResponse<String> bad = run("?budget=soon", "Authorization", "Bearer " + TOKEN);

        assertThat(capped.statusCode()).isEqualTo(200);
        assertThat(capped.body()).contains("\"budgetMs\":20000");
        assertThat(bad.statusCode()).isEqualTo(400);
    }
}
