package dev.ballast.webhook.email;

import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmailIntakeTest {

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
    void aReplyIsStoredOnceWithItsLeadAndOneOutboxRowAndRedeliveryIsADuplicate() {
        TestWorkspace ws = service.createWorkspace();
        String body = Deliveries.reply(1001, "Jane.Doe@Example.com");

        HttpResponse<String> first = service.post(ws.emailPath(), body, ws.bearer());
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode answer = service.json(first);
        assertThat(answer.get("status").getStringValue()).isEqualTo("accepted");
        long messageId = answer.get("messageId").getLongValue();

        HttpResponse<String> again = service.post(ws.emailPath(), body, ws.bearer());
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(service.json(again).get("status").getStringValue()).isEqualTo("duplicate");
        assertThat(service.json(again).get("messageId").getLongValue()).isEqualTo(messageId);

        Map<String, Object> message = service.query("""
                SELECT m.external_id, m.direction, m.channel, m.event_type, m.subject, m.body, m.from_address,
                       l.email, l.lead_key, l.name, l.provider_lead_id
                FROM webhook.messages m JOIN webhook.leads l ON l.id = m.lead_id WHERE m.id = ?""", messageId).getFirst();
        assertThat(message).containsEntry("external_id", "reply:1001@app.emailbison.com")
                .containsEntry("direction", "inbound").containsEntry("channel", "email")
                .containsEntry("event_type", "lead_replied").containsEntry("subject", "Re: our call")
                .containsEntry("body", "Sounds good, call me tomorrow.")
                .containsEntry("email", "Jane.Doe@Example.com").containsEntry("lead_key", "email:jane.doe@example.com")
                .containsEntry("name", "Jane Doe").containsEntry("provider_lead_id", "77");
        List<Map<String, Object>> outbox = service.query(
                "SELECT job_type, dedupe_key, message_id FROM webhook.outbox WHERE workspace_id = ?", ws.id());
        assertThat(outbox).containsExactly(Map.of("job_type", "email-inbound-post-process",
                "dedupe_key", "email-inbound-post-process:" + messageId, "message_id", messageId));
        assertThat(service.deliveries(ws.id())).extracting(r -> r.get("outcome")).containsExactly("accepted", "duplicate");
    }
}
