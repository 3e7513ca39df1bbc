package dev.ballast.jobs.workflow;

import dev.ballast.jobs.testing.JobsServiceUnderTest;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Workflow starts over real HTTP on real PostgreSQL, with a clock the test moves. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkflowIdempotencyTest {

    private static final String[] AUTH = {"Authorization", "Bearer " + JobsServiceUnderTest.SERVICE_TOKEN};
    private final MovableClock clock = new MovableClock(Instant.parse("2030-01-01T12:00:00Z"));
    private JobsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = JobsServiceUnderTest.start(Map.of("ballast.jobs.workflows.dedupe-window", "1h"),
                builder -> builder.singletons(clock));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void fiftyConcurrentIdenticalTriggersStartOneExecution() throws Exception {
        UUID ws = UUID.randomUUID();
        String body = startBody(ws, "{\"leadId\":42,\"event\":\"replied\"}");
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(50);
        List<HttpResponse<String>> answers = new ArrayList<>();
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return service.post("/workflows/lead-replied/executions", body, AUTH);
                }));
            }
            go.countDown();
            for (Future<HttpResponse<String>> f : futures) {
                answers.add(f.get(60, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(200, 201);
        assertThat(answers).filteredOn(r -> r.statusCode() == 201).hasSize(1);
        assertThat(answers).extracting(r -> service.json(r).get("id").getLongValue()).containsOnly(
                service.json(answers.getFirst()).get("id").getLongValue());
        assertThat(service.count("SELECT count(*) FROM jobs.workflow_executions WHERE workspace_id = ?", ws))
                .isEqualTo(1);
    }

    @Test
    void twoStartsQueuedOnTheAdvisoryLockStartOneExecution() throws Exception {
        UUID ws = UUID.randomUUID();
        String trigger = "{\"leadId\":7,\"event\":\"booked\"}";
        int key = WorkflowExecutions.lockKey("lead-booked", ws, TriggerHash.of(service.json(trigger)));
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<HttpResponse<String>>> futures = new ArrayList<>();
        try (Connection holder = service.connect()) {
            // Hold the lock the starts take, so that both are known to be inside start() at once, then let go.
            holder.setAutoCommit(false);
            try (PreparedStatement st = holder.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                st.setInt(1, WorkflowExecutions.LOCK_NAMESPACE);
                st.setInt(2, key);
                st.execute();
            }
            for (int i = 0; i < 2; i++) {
                futures.add(pool.submit(() -> service.post("/workflows/lead-booked/executions",
                        startBody(ws, trigger), AUTH)));
            }
            await().atMost(Duration.ofSeconds(10)).until(() -> service.count(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND wait_event = 'advisory'") == 2);
            holder.rollback();
        }
        List<HttpResponse<String>> answers = new ArrayList<>();
        try {
            for (Future<HttpResponse<String>> f : futures) {
                answers.add(f.get(30, TimeUnit.SECONDS));
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(answers).extracting(HttpResponse::statusCode).containsExactlyInAnyOrder(201, 200);
        assertThat(answers).extracting(r -> service.json(r).get("id").getLongValue()).containsOnly(
                service.json(answers.getFirst()).get("id").getLongValue());
        assertThat(service.count("SELECT count(*) FROM jobs.workflow_executions WHERE workspace_id = ?", ws))
                .isEqualTo(1);
    }

    @Test
    void aDuplicateInsideTheWindowGetsTheExecutionAndOneAfterItStartsANewOne() {
        UUID ws = UUID.randomUUID();
        String body = startBody(ws, "{\"leadId\":7}");
        HttpResponse<String> first = service.post("/workflows/follow-up/executions", body, AUTH);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        long id = service.json(first).get("id").getLongValue();
        assertThat(service.json(first).get("status").getStringValue()).isEqualTo("running");

        clock.advance(Duration.ofMinutes(59));
        HttpResponse<String> inside = service.post("/workflows/follow-up/executions", body, AUTH);
        assertThat(inside.statusCode()).isEqualTo(200);
        assertThat(service.json(inside).get("id").getLongValue()).isEqualTo(id);

        clock.advance(Duration.ofMinutes(1).plusSeconds(1));
        HttpResponse<String> after = service.post("/workflows/follow-up/executions", body, AUTH);
        assertThat(after.statusCode()).isEqualTo(201);
        long second = service.json(after).get("id").getLongValue();
        assertThat(second).isNotEqualTo(id);
        // the window slides from the newest execution
        clock.advance(Duration.ofMinutes(30));
        assertThat(service.json(service.post("/workflows/follow-up/executions", body, AUTH)).get("id").getLongValue())
                .isEqualTo(second);
    }

    @Test
    void theSameTriggerWrittenDifferentlyIsADuplicateAndADifferentOneIsNot() {
        UUID ws = UUID.randomUUID();
        long id = service.json(service.post("/workflows/wf/executions",
                startBody(ws, "{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"ü\"}}"), AUTH)).get("id").getLongValue();
        HttpResponse<String> reordered = service.post("/workflows/wf/executions",
                startBody(ws, "{ \"b\" : {\"y\":\"\\u00fc\", \"x\":[1.0, 2]}, \"a\": 1e0 }"), AUTH);
        assertThat(reordered.statusCode()).isEqualTo(200);
        assertThat(service.json(reordered).get("id").getLongValue()).isEqualTo(id);

        for (String other : List.of("{\"a\":2,\"b\":{\"x\":[1,2],\"y\":\"ü\"}}", "{\"a\":1,\"b\":{\"x\":[2,1],\"y\":\"ü\"}}",
                "{\"a\":\"1\",\"b\":{\"x\":[1,2],\"y\":\"ü\"}}")) {
            HttpResponse<String> r = service.post("/workflows/wf/executions", startBody(ws, other), AUTH);
            assertThat(r.statusCode()).as(other).isEqualTo(201);
        }
        // another workflow or another workspace: its own execution
        assertThat(service.post("/workflows/wf-2/executions", startBody(ws, "{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"ü\"}}"),
                AUTH).statusCode()).isEqualTo(201);
        assertThat(service.post("/workflows/wf/executions",
                startBody(UUID.randomUUID(), "{\"a\":1,\"b\":{\"x\":[1,2],\"y\":\"ü\"}}"), AUTH).statusCode())
                .isEqualTo(201);
    }

    @Test
    void aDuplicateOfAFinishedExecutionGetsItsResultAndEndingsAreRecordedOnce() {
        UUID ws = UUID.randomUUID();
        String body = startBody(ws, "{\"leadId\":9}");
        long id = service.json(service.post("/workflows/score/executions", body, AUTH)).get("id").getLongValue();
        String done = "{\"workspaceId\":\"" + ws + "\",\"status\":\"succeeded\",\"result\":{\"score\":0.7}}";

        HttpResponse<String> recorded = service.put("/workflows/score/executions/" + id, done, AUTH);
        assertThat(recorded.statusCode()).as(recorded.body()).isEqualTo(200);
        assertThat(service.put("/workflows/score/executions/" + id, done, AUTH).statusCode()).isEqualTo(200);

        JsonNode dup = service.json(service.post("/workflows/score/executions", body, AUTH));
        assertThat(dup.get("id").getLongValue()).isEqualTo(id);
        assertThat(dup.get("status").getStringValue()).isEqualTo("succeeded");
        assertThat(dup.get("result").get("score").getDoubleValue()).isEqualTo(0.7);

        assertProblem(service.put("/workflows/score/executions/" + id,
                "{\"workspaceId\":\"" + ws + "\",\"status\":\"failed\"}", AUTH), 409);
        assertProblem(service.put("/workflows/score/executions/" + id,
                "{\"workspaceId\":\"" + UUID.randomUUID() + "\",\"status\":\"succeeded\"}", AUTH), 404);
        assertProblem(service.put("/workflows/other/executions/" + id, done, AUTH), 404);
    }

    @Test
    void theApiNeedsTheServiceTokenAndRefusesBadInputWithProblems() {
        UUID ws = UUID.randomUUID();
        assertProblem(service.post("/workflows/wf/executions", startBody(ws, "{}")), 401);
        assertProblem(service.post("/workflows/wf/executions", startBody(ws, "{}"), "Authorization", "Bearer nope"), 401);
        assertProblem(service.post("/workflows/wf/executions", "{\"trigger\":{}}", AUTH), 400);
        assertProblem(service.post("/workflows/wf/executions", "{\"workspaceId\":\"" + ws + "\"}", AUTH), 400);
        assertProblem(service.post("/workflows/wf/executions", "{\"workspaceId\":", AUTH), 400);
        assertProblem(service.post("/workflows/wf/executions", "[]", AUTH), 400);
        assertProblem(service.post("/workflows/" + "%27%3B%20DROP" + "/executions", startBody(ws, "{}"), AUTH), 400);
        assertProblem(service.put("/workflows/wf/executions/x", "{}", AUTH), 400);
        assertProblem(service.put("/workflows/wf/executions/1",
                "{\"workspaceId\":\"" + ws + "\",\"status\":\"running\"}", AUTH), 400);
        assertThat(service.count("SELECT count(*) FROM jobs.workflow_executions WHERE workspace_id = ?", ws)).isZero();
    }

    @Test
    void canonicalFormSortsKeysAndNormalisesNumbers() {
        assertThat(TriggerHash.canonical(service.json("{\"b\":[1.50,0.0,-0],\"a\":\"x\\\"\\n\"}")))
                .isEqualTo("{\"a\":\"x\\\"\\u000a\",\"b\":[1.5,0,0]}");
    }

    private static String startBody(UUID ws, String trigger) {
        return "{\"workspaceId\":\"" + ws + "\",\"trigger\":" + trigger + "}";
    }

    private static void assertProblem(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
    }

    /** A clock the test moves forward. */
    static final class MovableClock extends Clock {

        private final AtomicReference<Instant> now;

        MovableClock(Instant start) {
            this.now = new AtomicReference<>(start);
        }

        void advance(Duration by) {
            now.updateAndGet(t -> t.plus(by));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }
}
