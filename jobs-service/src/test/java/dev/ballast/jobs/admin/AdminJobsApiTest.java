package dev.ballast.jobs.admin;

import dev.ballast.jobs.queue.JobState;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import dev.ballast.jobs.testing.TestJob;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/** The admin job API over real HTTP on real PostgreSQL. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AdminJobsApiTest {

    private static final String[] AUTH = {"Authorization", "Bearer " + JobsServiceUnderTest.ADMIN_TOKEN};
    private JobsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = JobsServiceUnderTest.start(Map.of("ballast.jobs.admin.retry-attempts", "4",
                "ballast.jobs.admin.max-page-size", "100"));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void everyAdminRouteRefusesAMissingOrWrongTokenWith401ProblemBeforeTouchingTheDatabase() {
        long id = service.insertJob("t-auth", UUID.randomUUID(), "dead", 5, 5);
        for (String[] headers : List.of(new String[0], new String[]{"Authorization", "Bearer wrong"},
                new String[]{"Authorization", "Basic " + JobsServiceUnderTest.ADMIN_TOKEN},
                new String[]{"Authorization", "Bearer " + JobsServiceUnderTest.ADMIN_TOKEN + "x"})) {
            assertProblem(service.get("/admin/jobs", headers), 401);
            assertProblem(service.get("/admin/jobs/" + id, headers), 401);
            assertProblem(service.get("/admin/jobs/stats", headers), 401);
            assertProblem(service.post("/admin/jobs/" + id + "/retry", "", headers), 401);
            assertProblem(service.post("/admin/jobs/" + id + "/cancel", "", headers), 401);
        }
        assertThat(service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id)).isEqualTo("dead");
    }

    @Test
    void listingFiltersByStatusTypeAndWorkspaceAndPagesNewestFirstWithoutGapsOrRepeats() {
        UUID ws = UUID.randomUUID();
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            ids.add(service.insertJob("t-page", ws, i % 2 == 0 ? "available" : "dead", 0, 5));
        }
        service.insertJob("t-page", UUID.randomUUID(), "available", 0, 5);
        service.insertJob("t-other", ws, "available", 0, 5);

        List<Long> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            HttpResponse<String> r = service.get("/admin/jobs?type=t-page&workspaceId=" + ws + "&limit=3"
                    + (after == null ? "" : "&after=" + after), AUTH);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode page = service.json(r);
            page.get("items").values().forEach(j -> {
                assertThat(j.get("type").getStringValue()).isEqualTo("t-page");
                assertThat(j.get("workspaceId").getStringValue()).isEqualTo(ws.toString());
                seen.add(j.get("id").getLongValue());
            });
            after = page.get("nextAfter") == null ? null : String.valueOf(page.get("nextAfter").getLongValue());
            pages++;
        } while (after != null);
        assertThat(pages).isEqualTo(3);
        assertThat(seen).isEqualTo(ids.reversed());

        JsonNode dead = service.json(service.get("/admin/jobs?status=dead&type=t-page&workspaceId=" + ws, AUTH));
        assertThat(dead.get("items").size()).isEqualTo(3);
        dead.get("items").values().forEach(j -> assertThat(j.get("status").getStringValue()).isEqualTo("dead"));
        assertThat(dead.get("nextAfter")).isNull();
    }

    @Test
    void filterValuesWithSqlMetacharactersAndUnicodeAreMatchedLiterally() {
        UUID ws = UUID.randomUUID();
        String odd = "ünï'; DROP TABLE jobs.jobs;-- %_\\ 🎉";
        long id = service.insertJob(odd, ws, "available", 0, 5);
        service.insertJob("ünï", ws, "available", 0, 5);

        JsonNode page = service.json(service.get("/admin/jobs?type=" + enc(odd), AUTH));
        assertThat(page.get("items").size()).isEqualTo(1);
        assertThat(page.get("items").get(0).get("id").getLongValue()).isEqualTo(id);
        assertThat(page.get("items").get(0).get("type").getStringValue()).isEqualTo(odd);
        // LIKE wildcards are not wildcards here
        assertThat(service.json(service.get("/admin/jobs?type=" + enc("%"), AUTH)).get("items").size()).isZero();
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?", ws)).isEqualTo(2);
    }

    @Test
    void badQueryValuesAre400ProblemsNamingTheValue() {
        Map<String, String> bad = Map.of(
                "/admin/jobs?status=RUNNING", "invalid_status",
                "/admin/jobs?status=" + enc("running' OR '1'='1"), "invalid_status",
                "/admin/jobs?workspaceId=not-a-uuid", "invalid_workspace_id",
                "/admin/jobs?limit=0", "invalid_limit",
                "/admin/jobs?limit=101", "invalid_limit",
                "/admin/jobs?limit=ten", "invalid_limit",
                "/admin/jobs?after=-5", "invalid_after",
                "/admin/jobs?type=" + enc("a\u0000b"), "invalid_type",
                "/admin/jobs?type=" + "x".repeat(201), "invalid_type",
                "/admin/jobs/abc", "invalid_id");
        bad.forEach((path, reason) -> {
            HttpResponse<String> r = service.get(path, AUTH);
            assertProblem(r, 400);
            assertThat(r.body()).as(path).contains(reason);
        });
        assertProblem(service.post("/admin/jobs/0/retry", "", AUTH), 400);
        assertProblem(service.post("/admin/jobs/99999999999999999999/cancel", "", AUTH), 400);
    }

    @Test
    void oneJobComesWithItsPayloadAndAttemptsInOrder() {
        long id = service.insertJob("t-detail", UUID.randomUUID(), "dead", 2, 2);
        service.execute("""
                INSERT INTO jobs.job_attempts (job_id, attempt, worker, finished_at, outcome, error_class, error)
                VALUES (?, 2, 'w-b', now(), 'dead', 'IllegalStateException', 'no'),
                       (?, 1, 'w-a', now(), 'retry', 'HttpClientException', '503')""", id, id);
        JsonNode d = service.json(service.get("/admin/jobs/" + id, AUTH));
        assertThat(d.get("job").get("id").getLongValue()).isEqualTo(id);
        assertThat(d.get("job").get("lastError").getStringValue()).isEqualTo("boom");
        assertThat(d.get("payload").get("k").getStringValue()).isEqualTo("v");
        assertThat(d.get("attempts").size()).isEqualTo(2);
        assertThat(d.get("attempts").get(0).get("attempt").getIntValue()).isEqualTo(1);
        assertThat(d.get("attempts").get(0).get("outcome").getStringValue()).isEqualTo("retry");
        assertThat(d.get("attempts").get(1).get("worker").getStringValue()).isEqualTo("w-b");

        assertProblem(service.get("/admin/jobs/987654321", AUTH), 404);
    }

    @Test
    void aRunningJobShowsTheAttemptInProgressAfterItsFinishedOnes() {
        // A running attempt has no row yet (it is written when the attempt ends): the job row says where and since when.
        long id = TestJob.of("t-detail").stored(JobState.RUNNING, 2).claimedAgo(Duration.ofSeconds(3)).insert(service);
        service.execute("""
                INSERT INTO jobs.job_attempts (job_id, attempt, worker, finished_at, outcome, error_class, error)
                VALUES (?, 1, 'w-a', now(), 'retry', 'HttpClientException', '503')""", id);
        JsonNode attempts = service.json(service.get("/admin/jobs/" + id, AUTH)).get("attempts");
        assertThat(attempts.size()).isEqualTo(2);
        assertThat(attempts.get(0).get("outcome").getStringValue()).isEqualTo("retry");
        JsonNode running = attempts.get(1);
        assertThat(running.get("attempt").getIntValue()).isEqualTo(2);
        assertThat(running.get("worker").getStringValue()).isEqualTo("worker-1");
        assertThat(running.get("startedAt")).isNotNull();
        assertThat(running.get("finishedAt") == null || running.get("finishedAt").isNull()).isTrue();
        assertThat(running.get("outcome") == null || running.get("outcome").isNull()).isTrue();
    }

    @Test
    void retryMakesDeadAndCancelledJobsAvailableWithAFreshBudgetAndRefusesOtherStates() {
        UUID ws = UUID.randomUUID();
        long dead = service.insertJob("t-retry", ws, "dead", 5, 5);
        long cancelled = service.insertJob("t-retry", ws, "cancelled", 1, 5);
        for (long id : List.of(dead, cancelled)) {
            HttpResponse<String> r = service.post("/admin/jobs/" + id + "/retry", "", AUTH);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(service.json(r).get("status").getStringValue()).isEqualTo("available");
        }
        Map<String, Object> row = service.query("""
                SELECT status, attempt, max_attempts, finished_at, run_at <= now() AS due FROM jobs.jobs WHERE id = ?""",
                dead).getFirst();
        // attempt keeps counting (fencing, attempt rows); four more tries on top of the five used
        assertThat(row).containsEntry("status", "available").containsEntry("attempt", 5)
                .containsEntry("max_attempts", 9).containsEntry("due", true);
        assertThat(row.get("finished_at")).isNull();
        assertThat(service.queryOne("SELECT max_attempts FROM jobs.jobs WHERE id = ?", cancelled)).isEqualTo(5);

        for (String status : List.of("available", "running", "succeeded")) {
            long id = service.insertJob("t-retry", ws, status, 1, 5);
            HttpResponse<String> r = service.post("/admin/jobs/" + id + "/retry", "", AUTH);
            assertProblem(r, 409);
            assertThat(r.body()).contains(status);
            assertThat(service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id)).isEqualTo(status);
        }
        assertProblem(service.post("/admin/jobs/987654321/retry", "", AUTH), 404);
    }

    @Test
    void cancelStopsAvailableAndRunningJobsIsIdempotentAndRefusesFinishedOnes() {
        UUID ws = UUID.randomUUID();
        for (String status : List.of("available", "running")) {
            long id = service.insertJob("t-cancel", ws, status, 1, 5);
            HttpResponse<String> r = service.post("/admin/jobs/" + id + "/cancel", "", AUTH);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            Map<String, Object> row = service.query(
                    "SELECT status, finished_at, lease_until FROM jobs.jobs WHERE id = ?", id).getFirst();
            assertThat(row.get("status")).isEqualTo("cancelled");
            assertThat(row.get("finished_at")).isNotNull();
            assertThat(row.get("lease_until")).isNull();
            // a worker's late finish, fenced on status = 'running', now changes nothing
            service.execute("UPDATE jobs.jobs SET status = 'succeeded' WHERE id = ? AND status = 'running'", id);
            HttpResponse<String> again = service.post("/admin/jobs/" + id + "/cancel", "", AUTH);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(service.json(again).get("status").getStringValue()).isEqualTo("cancelled");
        }
        for (String status : List.of("succeeded", "dead")) {
            long id = service.insertJob("t-cancel", ws, status, 1, 5);
            HttpResponse<String> r = service.post("/admin/jobs/" + id + "/cancel", "", AUTH);
            assertProblem(r, 409);
            assertThat(service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id)).isEqualTo(status);
        }
        assertProblem(service.post("/admin/jobs/987654321/cancel", "", AUTH), 404);
    }

    @Test
    void statsAndGaugesShowDepthDueAndOldestAgeOfLiveStatesOnly() {
        String type = "t-stats-" + UUID.randomUUID();
        UUID ws = UUID.randomUUID();
        service.insertJob(type, ws, "available", 0, 5);
        service.insertJob(type, ws, "available", 0, 5);
        TestJob.of(type).workspace(ws).runAt(Instant.now().minus(Duration.ofMinutes(10))).insert(service);
        TestJob.of(type).workspace(ws).later().insert(service);
        service.insertJob(type, ws, "running", 1, 5);
        service.insertJob(type, ws, "succeeded", 1, 5);
        service.insertJob(type, ws, "dead", 1, 5);

        JsonNode stats = service.json(service.get("/admin/jobs/stats", AUTH));
        List<JsonNode> mine = new ArrayList<>();
        stats.get("groups").values().forEach(g -> {
            if (g.get("type").getStringValue().equals(type)) {
                mine.add(g);
            }
        });
        assertThat(mine).extracting(g -> g.get("status").getStringValue()).containsExactly("available", "running");
        JsonNode available = mine.getFirst();
        assertThat(available.get("depth").getLongValue()).isEqualTo(4);
        assertThat(available.get("due").getLongValue()).isEqualTo(3);
        assertThat(available.get("oldestAgeSeconds").getDoubleValue()).isBetween(595.0, 900.0);

        JobStatsGauges gauges = service.bean(JobStatsGauges.class);
        gauges.refresh();
        MeterRegistry meters = service.bean(MeterRegistry.class);
        assertThat(meters.get("ballast.jobs.depth").tag("type", type).tag("status", "available").gauge().value())
                .isEqualTo(4.0);
        assertThat(meters.get("ballast.jobs.oldest.age").tag("type", type).tag("status", "available").gauge().value())
                .isBetween(595.0, 900.0);
        assertThat(meters.get("ballast.jobs.depth").tag("type", type).tag("status", "running").gauge().value())
                .isEqualTo(1.0);

        // emptied groups read 0 after the next refresh instead of keeping stale numbers
        service.execute("UPDATE jobs.jobs SET status = 'cancelled' WHERE type = ? AND status IN ('available', 'running')",
                type);
        gauges.refresh();
        assertThat(meters.get("ballast.jobs.depth").tag("type", type).tag("status", "available").gauge().value())
                .isZero();
        assertThat(meters.get("ballast.jobs.oldest.age").tag("type", type).tag("status", "available").gauge().value())
                .isZero();
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    static void assertProblem(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.body()).contains("\"status\":" + status);
    }
}
