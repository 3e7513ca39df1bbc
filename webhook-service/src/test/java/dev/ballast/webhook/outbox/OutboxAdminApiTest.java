package dev.ballast.webhook.outbox;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The parked-row admin API over real HTTP, with the scheduled relay running against WireMock as jobs-service:
 * rows are parked by a real 422 and sent again by the relay after a retry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxAdminApiTest {

    private static final String[] ADMIN = {"Authorization", "Bearer " + RunningWebhookService.ADMIN_TOKEN};

    private JobsServiceStandIn jobs;
    private RunningWebhookService service;

    @BeforeAll
    void start() {
        jobs = new JobsServiceStandIn();
        Map<String, Object> properties = jobs.fastRelay();
        properties.put("ballast.webhook.outbox.admin.max-page-size", "100");
        service = RunningWebhookService.start(properties);
    }

    @AfterAll
    void stop() {
        service.close();
        jobs.close();
    }

    @BeforeEach
    void jobsServiceUp() {
        jobs.accepting();
    }

    @Test
    void aRowParkedByA422IsSentAgainAfterARetryWithTheSameIdempotencyKeyAndDelivered() {
        TestWorkspace ws = service.createWorkspace();
        refusingEveryJob();
        service.acceptNewReply(ws);
        JsonNode parked = awaitParked(ws.id(), 1).getFirst();
        String key = parked.get("dedupeKey").getStringValue();
        long id = parked.get("id").getLongValue();
        assertThat(parked.get("workspaceId").getStringValue()).isEqualTo(ws.id().toString());
        assertThat(parked.get("jobType").getStringValue()).isEqualTo(JobTypes.EMAIL_INBOUND_POST_PROCESS);
        assertThat(parked.get("messageId").getLongValue())
                .isEqualTo(((Number) service.queryOne("SELECT max(id) FROM webhook.messages WHERE workspace_id = ?",
                        ws.id())).longValue());
        assertThat(parked.get("attempts").getIntValue()).isEqualTo(1);
        assertThat(parked.get("lastError").getStringValue()).isEqualTo("jobs-service answered 422");
        assertThat(parked.get("parkedAt")).isNotNull();
        assertThat(parked.get("payload")).as("payloads are not shown").isNull();
        assertThat(jobs.postsPerKey(List.of(key))).containsExactly(Map.entry(key, 1L));

        jobs.accepting();
        HttpResponse<String> retried = service.post("/admin/outbox/" + id + "/retry", "", ADMIN);

        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        JsonNode row = service.json(retried);
        assertThat(row.get("id").getLongValue()).isEqualTo(id);
        assertThat(row.get("dedupeKey").getStringValue()).isEqualTo(key);
        assertThat(row.get("parkedAt")).isNull();
        assertThat(row.get("attempts").getIntValue()).isZero();
        await().atMost(Duration.ofSeconds(20)).until(() -> service.count(
                "SELECT count(*) FROM webhook.outbox WHERE id = ? AND delivered_at IS NOT NULL", id) == 1);
        List<LoggedRequest> sends = jobs.posts().stream()
                .filter(r -> r.getBodyAsString().contains("\"dedupeKey\":\"" + key + "\"")).toList();
        assertThat(sends).hasSize(2);
        assertThat(sends).allSatisfy(r -> assertThat(r.getBodyAsString()).contains("\"dedupeKey\":\"" + key + "\""));
        assertThat(jobs.acceptedPerKey(List.of(key))).containsExactly(Map.entry(key, 1L));
        assertThat(service.query("SELECT parked_at, last_error FROM webhook.outbox WHERE id = ?", id).getFirst())
                .containsEntry("parked_at", null).containsEntry("last_error", null);
        assertThat(parked(ws.id(), null)).isEmpty();

        HttpResponse<String> again = service.post("/admin/outbox/" + id + "/retry", "", ADMIN);
        assertProblem(again, 409, "not_parked");
        assertThat(service.json(again).get("detail").getStringValue()).contains("delivered");
    }

    @Test
    void twoRetriesOfOneRowAtOnceChangeItOnceOneIsAnswered200AndTheOthers409() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        refusingEveryJob();
        service.acceptNewReply(ws);
        long id = awaitParked(ws.id(), 1).getFirst().get("id").getLongValue();
        jobs.accepting();

        int callers = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < callers; i++) {
                answers.add(threads.submit(() -> {
                    go.await();
                    return service.post("/admin/outbox/" + id + "/retry", "", ADMIN);
                }));
            }
            go.countDown();
        }
        List<Integer> statuses = new ArrayList<>();
        for (Future<HttpResponse<String>> a : answers) {
            statuses.add(a.get().statusCode());
        }

        assertThat(statuses).containsOnly(200, 409);
        assertThat(statuses).filteredOn(s -> s == 200).hasSize(1);
        await().atMost(Duration.ofSeconds(20)).until(() -> service.count(
                "SELECT count(*) FROM webhook.outbox WHERE id = ? AND delivered_at IS NOT NULL", id) == 1);
        String key = (String) service.queryOne("SELECT dedupe_key FROM webhook.outbox WHERE id = ?", id);
        assertThat(jobs.postsPerKey(List.of(key))).containsExactly(Map.entry(key, 2L));
    }

    @Test
    void parkedRowsArePagedOldestFirstByKeysetAndFilteredByWorkspace() {
        TestWorkspace first = service.createWorkspace();
        TestWorkspace second = service.createWorkspace();
        refusingEveryJob();
        for (int i = 0; i < 5; i++) {
            service.acceptNewReply(first);
        }
        service.acceptNewReply(second);
        service.acceptNewReply(second);
        awaitParked(first.id(), 5);
        awaitParked(second.id(), 2);

        List<Long> seen = new ArrayList<>();
        List<Integer> pageSizes = new ArrayList<>();
        String after = null;
        do {
            HttpResponse<String> r = service.get("/admin/outbox/parked?workspaceId=" + first.id() + "&limit=2"
                    + (after == null ? "" : "&afterId=" + after), ADMIN);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            JsonNode page = service.json(r);
            pageSizes.add(page.get("items").size());
            for (JsonNode item : page.get("items").values()) {
                assertThat(item.get("workspaceId").getStringValue()).isEqualTo(first.id().toString());
                seen.add(item.get("id").getLongValue());
            }
            after = page.get("nextAfterId") == null ? null : Long.toString(page.get("nextAfterId").getLongValue());
        } while (after != null);

        assertThat(pageSizes).containsExactly(2, 2, 1);
        assertThat(seen).hasSize(5).doesNotHaveDuplicates().isSorted();
        List<Long> all = parked(null, null).stream().map(n -> n.get("id").getLongValue()).toList();
        assertThat(all).containsAll(seen).hasSizeGreaterThanOrEqualTo(7).isSorted();
        assertThat(parked(second.id(), null)).hasSize(2);
    }

    @Test
    void retryingARowThatIsNotParkedIs409AndAnUnknownRowIs404() {
        TestWorkspace ws = service.createWorkspace();
        service.acceptNewReply(ws);
        long message = ((Number) service.queryOne("SELECT max(id) FROM webhook.messages WHERE workspace_id = ?",
                ws.id())).longValue();
        // pending: waiting for a later attempt
        long pending = ((Number) service.queryOne("""
                INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload, attempts,
                                            next_attempt_at, last_error)
                VALUES (?, ?, 'test-job', ?, '{}', 3, now() + interval '1 day', 'jobs-service answered 503')
                RETURNING id""", ws.id(), message, "pending:" + UUID.randomUUID())).longValue();

        HttpResponse<String> r = service.post("/admin/outbox/" + pending + "/retry", "", ADMIN);

        assertProblem(r, 409, "not_parked");
        assertThat(service.json(r).get("detail").getStringValue()).contains("pending");
        assertThat(service.query("SELECT attempts, parked_at FROM webhook.outbox WHERE id = ?", pending).getFirst())
                .containsEntry("attempts", 3).containsEntry("parked_at", null);
        long unknown = ((Number) service.queryOne("SELECT coalesce(max(id), 0) + 1000 FROM webhook.outbox")).longValue();
        assertProblem(service.post("/admin/outbox/" + unknown + "/retry", "", ADMIN), 404, "not_found");
    }

    @Test
    void withoutTheAdminTokenBothEndpointsAre401() {
        String[][] refused = {{}, {"Authorization", "Bearer wrong-token"}, {"Authorization", "Basic dGVzdDp0ZXN0"}};
        for (String[] headers : refused) {
            assertThat(service.get("/admin/outbox/parked", headers).statusCode()).isEqualTo(401);
            assertThat(service.get("/admin/outbox/parked", headers).headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(service.post("/admin/outbox/1/retry", "", headers).statusCode()).isEqualTo(401);
        }
        assertThat(service.get("/admin/outbox/parked", ADMIN).statusCode()).isEqualTo(200);
    }

    @Test
    void malformedIdsLimitsCursorsAndWorkspaceIdsAre400ProblemsAndTouchNothing() {
        TestWorkspace ws = service.createWorkspace();
        refusingEveryJob();
        service.acceptNewReply(ws);
        awaitParked(ws.id(), 1);
        long rows = service.count("SELECT count(*) FROM webhook.outbox");
        Map<String, String> badQueries = Map.of(
                "limit=0", "invalid_limit",
                "limit=101", "invalid_limit",
                "limit=" + q("1; DROP TABLE webhook.outbox"), "invalid_limit",
                "limit=" + q("1 OR 1=1"), "invalid_limit",
                "afterId=-1", "invalid_after_id",
                "afterId=" + q("0) OR (1=1"), "invalid_after_id",
                "workspaceId=" + q("' OR '1'='1' --"), "invalid_workspace_id",
                "workspaceId=" + q(ws.id() + "'; DELETE FROM webhook.outbox; --"), "invalid_workspace_id",
                "workspaceId=not-a-uuid", "invalid_workspace_id");
        badQueries.forEach((query, reason) ->
                assertProblem(service.get("/admin/outbox/parked?" + query, ADMIN), 400, reason));
        for (String id : List.of("abc", "0", "-1", "1.5", "99999999999999999999", p("1' OR '1'='1"),
                p("1; UPDATE webhook.outbox SET parked_at = NULL"), p("1 OR 1=1 --"))) {
            HttpResponse<String> r = service.post("/admin/outbox/" + id + "/retry", "", ADMIN);
            assertThat(r.statusCode()).as(id).isEqualTo(400);
            assertProblem(r, 400, "invalid_id");
        }
        // a '+' keeps the router from matching the path at all: still a problem, never a 5xx
        HttpResponse<String> plus = service.post("/admin/outbox/1+OR+1=1/retry", "", ADMIN);
        assertThat(plus.statusCode()).isBetween(400, 499);
        assertThat(plus.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(service.count("SELECT count(*) FROM webhook.outbox")).isEqualTo(rows);
        assertThat(parked(ws.id(), null)).hasSize(1);
    }

    private void assertProblem(HttpResponse<String> r, int status, String reason) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode body = service.json(r);
        assertThat(body.get("status").getIntValue()).isEqualTo(status);
        assertThat(body.get("reason").getStringValue()).as(r.body()).isEqualTo(reason);
    }

    /** jobs-service refuses every job as invalid, as it would a job type it does not know. */
    private void refusingEveryJob() {
        jobs.server().resetMappings();
        jobs.server().stubFor(post(urlPathEqualTo(JobsServiceStandIn.BULK)).willReturn(aResponse().withStatus(422)
                .withHeader("Content-Type", "application/problem+json").withBody("{\"title\":\"unknown job type\"}")));
    }

    private List<JsonNode> awaitParked(UUID workspace, int rows) {
        await().atMost(Duration.ofSeconds(20)).until(() -> parked(workspace, null).size() == rows);
        return parked(workspace, null);
    }

    private List<JsonNode> parked(UUID workspace, String afterId) {
        HttpResponse<String> r = service.get("/admin/outbox/parked?limit=100"
                + (workspace == null ? "" : "&workspaceId=" + workspace)
                + (afterId == null ? "" : "&afterId=" + afterId), ADMIN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        List<JsonNode> items = new ArrayList<>();
        service.json(r).get("items").values().forEach(items::add);
        return items;
    }

    /** Encoded for a query string. */
    private static String q(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    /** Encoded for a path segment (a space is %20 there, not '+'). */
    private static String p(String value) {
        return q(value).replace("+", "%20");
    }
}
