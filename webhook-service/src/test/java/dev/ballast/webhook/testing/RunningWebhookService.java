package dev.ballast.webhook.testing;

import dev.ballast.testsupport.ServiceUnderTest;
import io.micronaut.json.tree.JsonNode;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * webhook-service started for real on a fresh PostgreSQL database (through a fault proxy), driven over HTTP.
 * One per test class.
 */
public final class RunningWebhookService extends ServiceUnderTest {

    public static final String ADMIN_TOKEN = "test-admin-token";
    public static final String SERVICE_TOKEN = "test-service-token";
    private static final AtomicLong REPLY_IDS = new AtomicLong(1_000_000);

    private RunningWebhookService(Setup setup) {
        super(setup);
    }

    public static RunningWebhookService start() {
        return start(Map.of());
    }

    public static RunningWebhookService start(Map<String, Object> properties) {
        return start(properties, false);
    }

    /** Connected through a {@link dev.ballast.testsupport.FaultProxy} (for fault tests: it adds latency to every round trip) or directly. */
    public static RunningWebhookService start(Map<String, Object> properties, boolean throughFaultProxy) {
        return new RunningWebhookService(setup().freshDatabase().throughFaultProxy(throughFaultProxy).properties(properties));
    }

    // ---- admin ------------------------------------------------------------------------------------------

    /** A workspace accepting the given EmailBison workspace ids and GHL location ids. */
    public TestWorkspace createWorkspace(List<String> emailbisonIds, List<String> ghlIds) {
        String body = jsonString(Map.of("name", "ws-" + UUID.randomUUID(),
                "providerWorkspaceIds", Map.of("emailbison", emailbisonIds, "ghl", ghlIds)));
        HttpResponse<String> r = post("/admin/workspaces", body, "Authorization", "Bearer " + ADMIN_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode n = json(r);
        return new TestWorkspace(UUID.fromString(n.get("workspace").get("id").getStringValue()),
                n.get("signingSecret").getStringValue(), n.get("intakeToken").getStringValue());
    }

    public TestWorkspace createWorkspace() {
        return createWorkspace(List.of(Deliveries.EMAILBISON_WORKSPACE), List.of(Deliveries.GHL_LOCATION));
    }

    // ---- database ---------------------------------------------------------------------------------------

    public long messages(UUID workspace) {
        return count("SELECT count(*) FROM webhook.messages WHERE workspace_id = ?", workspace);
    }

    public long outboxRows(UUID workspace) {
        return count("SELECT count(*) FROM webhook.outbox WHERE workspace_id = ?", workspace);
    }

    public long undeliveredOutboxRows(UUID workspace) {
        return count("SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? AND delivered_at IS NULL", workspace);
    }

    /** Delivers a new EmailBison reply (a reply id never used before) to the workspace: accepted, its message id. */
    public long acceptNewReply(TestWorkspace ws) {
        HttpResponse<String> r = post(ws.emailPath(), Deliveries.reply(REPLY_IDS.incrementAndGet(), "jane@example.com"),
                ws.bearer());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answer = json(r);
        assertThat(answer.get("status").getStringValue()).isEqualTo("accepted");
        return answer.get("messageId").getLongValue();
    }

    public long leads(UUID workspace) {
        return count("SELECT count(*) FROM webhook.leads WHERE workspace_id = ?", workspace);
    }

    /** The delivery-log rows of a workspace, oldest first. */
    public List<Map<String, Object>> deliveries(UUID workspace) {
        return query("SELECT outcome, reason, http_status, provider, event_type, webhook_id, body_bytes, message_id "
                + "FROM webhook.webhook_deliveries WHERE workspace_id = ? ORDER BY id", workspace);
    }
}
