package dev.ballast.webhook.intake;

import dev.ballast.webhook.outbox.JobTypes;
import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The intake's few-round-trip statements: the message, its outbox rows and its delivery-log row written by one
 * statement (and nothing but the log row for a duplicate, whose ON CONFLICT DO NOTHING RETURNING returns no row),
 * the lead upsert that touches an existing lead only when the delivery changes it, and its fallback for a lead
 * committed by another transaction after the upsert's snapshot.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntakeStatementsTest {

    private RunningWebhookService service;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start();
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void aNewMessageGetsItsOutboxRowAndLogRowInTheSameStatementAndADuplicateOnlyItsLogRow() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        String body = Deliveries.reply(5001, "jane@example.com");
        HttpResponse<String> first = service.post(ws.emailPath(), body, headers(ws, "wh-5001"));
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        long messageId = service.json(first).get("messageId").getLongValue();
        HttpResponse<String> again = service.post(ws.emailPath(), body, headers(ws, "wh-5001"));
        assertThat(service.json(again).get("status").getStringValue()).isEqualTo("duplicate");
        assertThat(service.json(again).get("messageId").getLongValue()).isEqualTo(messageId);

        long leadId = service.count("SELECT lead_id FROM webhook.messages WHERE id = ?", messageId);
        Map<String, Object> outbox = service.query("""
                SELECT job_type, dedupe_key, message_id, CAST(payload AS text) AS payload
                FROM webhook.outbox WHERE workspace_id = ?""", ws.id()).getFirst();
        assertThat(service.outboxRows(ws.id())).isEqualTo(1);
        assertThat(outbox).containsEntry("job_type", JobTypes.EMAIL_INBOUND_POST_PROCESS)
                .containsEntry("dedupe_key", JobTypes.dedupeKey(JobTypes.EMAIL_INBOUND_POST_PROCESS, messageId))
                .containsEntry("message_id", messageId);
        JsonNode payload = service.context().getBean(JsonMapper.class)
                .readValue((String) outbox.get("payload"), JsonNode.class);
        assertThat(payload.get("workspaceId").getStringValue()).isEqualTo(ws.id().toString());
        assertThat(payload.get("messageId").getLongValue()).isEqualTo(messageId);
        assertThat(payload.get("leadId").getLongValue()).isEqualTo(leadId);
        assertThat(payload.get("provider").getStringValue()).isEqualTo("emailbison");
        assertThat(payload.get("eventType").getStringValue()).isEqualTo("lead_replied");
        assertThat(payload.get("channel").getStringValue()).isEqualTo("email");
        assertThat(payload.get("direction").getStringValue()).isEqualTo("inbound");

        int bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        assertThat(service.deliveries(ws.id())).containsExactly(
                row("accepted", bytes, messageId), row("duplicate", bytes, messageId));
    }

    @Test
    void anExistingLeadIsTouchedOnlyWhenTheDeliveryChangesIt() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        assertThat(service.post(ws.emailPath(), Deliveries.reply(6001, "jane@example.com"), ws.bearer()).statusCode())
                .isEqualTo(200);
        Object touched = leadUpdatedAt(ws);
        TimeUnit.MILLISECONDS.sleep(20);
        assertThat(service.post(ws.emailPath(), Deliveries.reply(6002, "jane@example.com"), ws.bearer()).statusCode())
                .isEqualTo(200);
        assertThat(leadUpdatedAt(ws)).as("nothing new: not touched").isEqualTo(touched);

        // Same lead key (lower-cased), the address as written changes: the lead is refreshed.
        assertThat(service.post(ws.emailPath(), Deliveries.reply(6003, "Jane@Example.com"), ws.bearer()).statusCode())
                .isEqualTo(200);
        assertThat(service.leads(ws.id())).isEqualTo(1);
        assertThat(service.queryOne("SELECT email FROM webhook.leads WHERE workspace_id = ?", ws.id()))
                .isEqualTo("Jane@Example.com");
        assertThat(leadUpdatedAt(ws)).isNotEqualTo(touched);
    }

    @Test
    void aLeadCommittedByAnotherTransactionWhileTheUpsertWaitedIsFoundAndUsed() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        long leadId;
        CompletableFuture<HttpResponse<String>> delivery;
        try (Connection other = service.database().connect()) {
            other.setAutoCommit(false);
            try (PreparedStatement st = other.prepareStatement("""
                    INSERT INTO webhook.leads (workspace_id, lead_key, email, name, provider_lead_id)
                    VALUES (?, 'email:race@example.com', 'race@example.com', 'Jane Doe', '77') RETURNING id""")) {
                st.setObject(1, ws.id());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    leadId = rs.getLong(1);
                }
            }
            // The delivery's upsert takes its snapshot now, then waits on the uncommitted row; the commit releases
            // it with nothing inserted and nothing visible to that snapshot.
            delivery = CompletableFuture.supplyAsync(() ->
                    service.post(ws.emailPath(), Deliveries.reply(7001, "race@example.com"), ws.bearer()));
            waitUntilBlockedOnTheLead();
            other.commit();
        }
        HttpResponse<String> answer = delivery.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(service.json(answer).get("status").getStringValue()).isEqualTo("accepted");
        assertThat(service.leads(ws.id())).isEqualTo(1);
        assertThat(service.count("SELECT lead_id FROM webhook.messages WHERE workspace_id = ?", ws.id())).isEqualTo(leadId);
        assertThat(service.outboxRows(ws.id())).isEqualTo(1);
    }

    private void waitUntilBlockedOnTheLead() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (System.nanoTime() < until) {
            if (service.count("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    + "AND query LIKE '%INSERT INTO webhook.leads%'") > 0) {
                return;
            }
            TimeUnit.MILLISECONDS.sleep(10);
        }
        throw new AssertionError("the delivery never waited on the uncommitted lead");
    }

    private Object leadUpdatedAt(TestWorkspace ws) {
        return service.queryOne("SELECT updated_at FROM webhook.leads WHERE workspace_id = ?", ws.id());
    }

    private static String[] headers(TestWorkspace ws, String webhookId) {
        return new String[] {ws.bearer()[0], ws.bearer()[1], "webhook-id", webhookId};
    }

    private static Map<String, Object> row(String outcome, int bytes, long messageId) {
        Map<String, Object> r = new java.util.LinkedHashMap<>();
        r.put("outcome", outcome);
        r.put("reason", null);
        r.put("http_status", 200);
        r.put("provider", "emailbison");
        r.put("event_type", "lead_replied");
        r.put("webhook_id", "wh-5001");
        r.put("body_bytes", bytes);
        r.put("message_id", messageId);
        return r;
    }
}
