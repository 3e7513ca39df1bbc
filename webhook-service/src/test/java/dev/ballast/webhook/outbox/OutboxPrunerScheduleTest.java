package dev.ballast.webhook.outbox;

import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The pruner on its own schedule, as configured: nobody calls it. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxPrunerScheduleTest {

    private RunningWebhookService service;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start(Map.of(
                "ballast.webhook.outbox.retention", "1h",
                "ballast.webhook.outbox.prune-interval", "200ms",
                "ballast.webhook.outbox.prune-initial-delay", "0s"));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void theScheduledPrunerDeletesRowsDeliveredBeforeTheConfiguredRetentionAndKeepsTheOthers() {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> r = service.post(ws.emailPath(), Deliveries.reply(95_001, "jane@example.com"), ws.bearer());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        long message = ((Number) service.queryOne("SELECT max(id) FROM webhook.messages WHERE workspace_id = ?",
                ws.id())).longValue();
        service.execute("""
                INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload, created_at,
                                            delivered_at, parked_at)
                VALUES (?, ?, 'test-job', 'gone', '{}', now() - interval '3 hours', now() - interval '2 hours', NULL),
                       (?, ?, 'test-job', 'recent', '{}', now() - interval '3 hours', now() - interval '30 minutes', NULL),
                       (?, ?, 'test-job', 'parked', '{}', now() - interval '3 hours', NULL, now() - interval '2 hours')""",
                ws.id(), message, ws.id(), message, ws.id(), message);

        await().atMost(Duration.ofSeconds(10)).until(() ->
                service.count("SELECT count(*) FROM webhook.outbox WHERE dedupe_key = 'gone'") == 0);

        assertThat(service.query("SELECT dedupe_key FROM webhook.outbox WHERE workspace_id = ? AND job_type = 'test-job'",
                ws.id())).extracting(row -> row.get("dedupe_key")).containsExactlyInAnyOrder("recent", "parked");
        // the row the intake wrote, never sent (the relay is off in tests), is kept too
        assertThat(service.outboxRows(ws.id())).isEqualTo(3);
    }
}
