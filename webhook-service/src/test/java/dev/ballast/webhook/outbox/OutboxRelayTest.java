package dev.ballast.webhook.outbox;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The scheduled relay, end to end: real intake endpoint, real PostgreSQL, WireMock as jobs-service. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxRelayTest {

    private static final AtomicLong REPLY_IDS = new AtomicLong(50_000);

    private JobsServiceStandIn jobs;
    private RunningWebhookService service;

    @BeforeAll
    void start() {
        jobs = new JobsServiceStandIn();
        Map<String, Object> properties = jobs.fastRelay();
        properties.put("micronaut.http.services.jobs.read-timeout", "2s");
        properties.put("ballast.service-tokens.jobs", JobsServiceStandIn.TOKEN);
        properties.put("ballast.webhook.outbox.relay.backoff-base", "100ms");
        properties.put("ballast.webhook.outbox.relay.backoff-cap", "1s");
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
    void acceptedDeliveriesAreRelayedOnceEachWithTheirDedupeKeyAndMarkedDelivered() {
        TestWorkspace ws = service.createWorkspace();
        for (int i = 0; i < 5; i++) {
            service.acceptNewReply(ws);
        }
        accept(ws, Deliveries.emailSent(REPLY_IDS.incrementAndGet(), "jane@example.com"));

        await().atMost(Duration.ofSeconds(20)).until(() -> service.undeliveredOutboxRows(ws.id()) == 0);

        List<Map<String, Object>> rows = service.query(
                "SELECT dedupe_key, job_type, message_id, attempts, last_error FROM webhook.outbox WHERE workspace_id = ?", ws.id());
        assertThat(rows).hasSize(6);
        List<String> keys = rows.stream().map(r -> (String) r.get("dedupe_key")).toList();
        assertThat(jobs.postsPerKey(keys)).hasSize(6).allSatisfy((key, posts) -> assertThat(posts).as(key).isEqualTo(1));
        for (Map<String, Object> row : rows) {
            String key = (String) row.get("dedupe_key");
            Map.Entry<LoggedRequest, JsonNode> sent = jobs.sent(key);
            assertThat(sent.getKey().getHeader("Authorization")).isEqualTo("Bearer " + JobsServiceStandIn.TOKEN);
            JsonNode body = sent.getValue();
            assertThat(body.get("type").getStringValue()).isEqualTo(row.get("job_type"));
            assertThat(body.get("dedupeKey").getStringValue()).isEqualTo(key);
            assertThat(body.get("workspaceId").getStringValue()).isEqualTo(ws.id().toString());
            assertThat(body.get("payload").get("messageId").getLongValue()).isEqualTo(row.get("message_id"));
            assertThat(row.get("attempts")).isEqualTo(0);
            assertThat(row.get("last_error")).isNull();
        }
        assertThat(service.context().getBean(MeterRegistry.class).counter("ballast.outbox.relayed").count())
                .isGreaterThanOrEqualTo(6);
    }

    @Test
    void whileJobsServiceIsDownTheOutboxGrowsThenDrainsWithNoKeyAcceptedTwiceAndNoHammering() {
        TestWorkspace ws = service.createWorkspace();
        jobs.unavailable();
        int before = jobs.posts().size();
        for (int i = 0; i < 6; i++) {
            service.acceptNewReply(ws);
        }
        // rows are tried, fail, and are backed off one by one; none is marked delivered
        await().atMost(Duration.ofSeconds(30)).until(() -> service.count(
                "SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? AND attempts >= 2", ws.id()) >= 2);
        for (int i = 0; i < 6; i++) {
            service.acceptNewReply(ws);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> service.count(
                "SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? AND attempts >= 1", ws.id()) == 12);
        assertThat(service.outboxRows(ws.id())).isEqualTo(12);
        assertThat(service.undeliveredOutboxRows(ws.id())).isEqualTo(12);
        MeterRegistry meters = service.context().getBean(MeterRegistry.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> meters.get("ballast.outbox.depth").gauge().value() >= 12);
        assertThat(meters.get("ballast.outbox.oldest.age").gauge().value()).isPositive();
        assertThat(service.query("SELECT DISTINCT last_error FROM webhook.outbox WHERE workspace_id = ?", ws.id()))
                .extracting(r -> r.get("last_error"))
                .isSubsetOf("jobs-service answered 503", "jobs-service call failed: breaker_open (CallNotPermittedException)");

        // no hammering: one call per relay run at most (the first row goes alone), each of at most 3 tries, and
        // the breaker lets one probe through per open period
        int postsWhileDown = jobs.posts().size() - before;
        long attemptsRecorded = service.count(
                "SELECT coalesce(sum(attempts), 0) FROM webhook.outbox WHERE workspace_id = ?", ws.id());
        assertThat(postsWhileDown).isLessThanOrEqualTo((int) (3 * attemptsRecorded + 3));
        assertThat(postsWhileDown).isLessThan((int) attemptsRecorded + 30);

        jobs.accepting();
        await().atMost(Duration.ofSeconds(30)).until(() -> service.undeliveredOutboxRows(ws.id()) == 0);

        List<String> keys = service.query("SELECT dedupe_key FROM webhook.outbox WHERE workspace_id = ?", ws.id())
                .stream().map(r -> (String) r.get("dedupe_key")).toList();
        assertThat(jobs.acceptedPerKey(keys)).hasSize(12)
                .allSatisfy((key, accepted) -> assertThat(accepted).as(key).isEqualTo(1));
        assertThat(meters.counter("ballast.outbox.failed", "reason", "503").count()).isPositive();
    }

    @Test
    void whileJobsServiceIsStoppedDeliveriesAreStillAcceptedAndTheOutboxDrainsWhenItIsBack() {
        TestWorkspace ws = service.createWorkspace();
        jobs.stop();
        try {
            for (int i = 0; i < 5; i++) {
                service.acceptNewReply(ws);
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> service.count(
                    "SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? AND attempts >= 1", ws.id()) == 5);
            assertThat(service.undeliveredOutboxRows(ws.id())).isEqualTo(5);
            assertThat(service.query("SELECT DISTINCT last_error FROM webhook.outbox WHERE workspace_id = ?", ws.id()))
                    .extracting(r -> (String) r.get("last_error")).allMatch(e -> e.startsWith("jobs-service call failed: "));
        } finally {
            jobs.restart();
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> service.undeliveredOutboxRows(ws.id()) == 0);
        List<String> keys = service.query("SELECT dedupe_key FROM webhook.outbox WHERE workspace_id = ?", ws.id())
                .stream().map(r -> (String) r.get("dedupe_key")).toList();
        assertThat(jobs.acceptedPerKey(keys)).hasSize(5)
                .allSatisfy((key, accepted) -> assertThat(accepted).as(key).isEqualTo(1));
    }

    @Test
    void whileJobsServiceIsSlowerThanTheReadTimeoutNothingIsMarkedDeliveredAndEveryRowArrivesOnceItAnswersInTime() {
        TestWorkspace ws = service.createWorkspace();
        MeterRegistry meters = service.context().getBean(MeterRegistry.class);
        double timeoutsBefore = meters.counter("ballast.outbox.failed", "reason", "timeout").count();
        // answers come 3 s late, past the jobs client's 2 s read timeout: a 201 nobody waited for is not a delivery
        jobs.accepting(3_000);
        for (int i = 0; i < 3; i++) {
            service.acceptNewReply(ws);
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> meters.counter("ballast.outbox.failed", "reason", "timeout").count() > timeoutsBefore);
        assertThat(service.undeliveredOutboxRows(ws.id())).isEqualTo(3);
        assertThat(service.count("SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? AND attempts >= 1",
                ws.id())).isPositive();

        jobs.accepting();
        await().atMost(Duration.ofSeconds(30)).until(() -> service.undeliveredOutboxRows(ws.id()) == 0);
        List<String> keys = service.query("SELECT dedupe_key FROM webhook.outbox WHERE workspace_id = ?", ws.id())
                .stream().map(r -> (String) r.get("dedupe_key")).toList();
        // every try of a row, the late ones included, carried that row's key, so jobs-service can dedupe them
        assertThat(jobs.postsPerKey(keys)).hasSize(3);
    }

    private JsonNode json(String text) {
        try {
            return service.context().getBean(JsonMapper.class).readValue(text, JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void accept(TestWorkspace ws, String body) {
        HttpResponse<String> r = service.post(ws.emailPath(), body, ws.bearer());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(service.json(r).get("status").getStringValue()).isEqualTo("accepted");
    }
}
