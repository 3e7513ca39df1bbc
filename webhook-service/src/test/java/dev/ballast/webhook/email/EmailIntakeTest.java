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

    @Test
    void sentAndManualEmailsAreStoredOutboundWithTheirOwnJobType() {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> sent = service.post(ws.emailPath(), Deliveries.emailSent(444, "jane@example.com"), ws.bearer());
        HttpResponse<String> manual = service.post(ws.emailPath(), Deliveries.manualEmailSent(444, "jane@example.com"), ws.bearer());
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(manual.statusCode()).as(manual.body()).isEqualTo(200);
        // Same number, different things: a scheduled email and a reply do not collide.
        assertThat(service.json(manual).get("status").getStringValue()).isEqualTo("accepted");
        assertThat(service.query("SELECT external_id, direction, event_type FROM webhook.messages WHERE workspace_id = ? ORDER BY id", ws.id()))
                .containsExactly(
                        Map.of("external_id", "scheduled_email:444@app.emailbison.com", "direction", "outbound", "event_type", "email_sent"),
                        Map.of("external_id", "reply:444@app.emailbison.com", "direction", "outbound", "event_type", "manual_email_sent"));
        assertThat(service.query("SELECT DISTINCT job_type FROM webhook.outbox WHERE workspace_id = ?", ws.id()))
                .containsExactly(Map.of("job_type", "email-outbound-post-process"));
        assertThat(service.leads(ws.id())).isEqualTo(1);
    }

    @Test
    void otherEventsAreAnsweredIgnoredAndLoggedWithTheirType() {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> known = service.post(ws.emailPath(), Deliveries.emailEvent("EMAIL_OPENED"), ws.bearer());
        HttpResponse<String> unknown = service.post(ws.emailPath(), Deliveries.emailEvent("Something_New"), ws.bearer());
        assertThat(known.statusCode()).isEqualTo(200);
        assertThat(service.json(known).get("status").getStringValue()).isEqualTo("ignored");
        assertThat(unknown.statusCode()).isEqualTo(200);
        assertThat(service.json(unknown).get("event").getStringValue()).isEqualTo("something_new");
        assertThat(service.deliveries(ws.id())).extracting(r -> r.get("outcome") + "/" + r.get("event_type") + "/" + r.get("reason"))
                .containsExactly("ignored/email_opened/null", "ignored/something_new/unknown_event");
        assertThat(service.messages(ws.id())).isZero();
        assertThat(service.leads(ws.id())).isZero();
    }

    @Test
    void unicodeAndSqlMetacharactersInEveryTextFieldAreStoredVerbatim() {
        TestWorkspace ws = service.createWorkspace();
        String nasty = "Zoë 😀 ' \" ; DROP TABLE webhook.messages; -- \\ %_ $1 :name ?? 日本語 \t\nend";
        String email = "o'brien+ü%_\"x\"@exämple.example";
        String body = Deliveries.reply("lead_replied", 2002, email, nasty + " subject", nasty + " body")
                .replace("\"first_name\":\"Jane\"", "\"first_name\":" + Deliveries.q(nasty))
                .replace("\"from_name\":\"Jane Doe\"", "\"from_name\":" + Deliveries.q(nasty))
                .replace("\"instance_url\":\"https://app.emailbison.com\"", "\"instance_url\":" + Deliveries.q("https://app.emailbison.com/'; --"));
        HttpResponse<String> r = service.post(ws.emailPath(), body, ws.bearer());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        Map<String, Object> stored = service.query("""
                SELECT m.subject, m.body, l.email, l.name FROM webhook.messages m JOIN webhook.leads l ON l.id = m.lead_id
                WHERE m.workspace_id = ?""", ws.id()).getFirst();
        assertThat(stored).containsEntry("subject", nasty + " subject").containsEntry("body", nasty + " body")
                .containsEntry("email", email).containsEntry("name", nasty + " Doe");
        HttpResponse<String> read = service.get("/messages/" + service.json(r).get("messageId").getLongValue(),
                "Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN, "X-Workspace-Id", ws.id().toString());
        assertThat(service.json(read).get("subject").getStringValue()).isEqualTo(nasty + " subject");
    }

    @Test
    void aNulCharacterWhichPostgresCannotStoreBecomesAReplacementCharacter() {
        TestWorkspace ws = service.createWorkspace();
        String body = Deliveries.reply(3003, "jane@example.com").replace("\"text_body\":\"Sounds good, call me tomorrow.\"",
                "\"text_body\":\"a\\u0000b\\ud800c\"");
        HttpResponse<String> r = service.post(ws.emailPath(), body, ws.bearer());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(service.queryOne("SELECT body FROM webhook.messages WHERE workspace_id = ?", ws.id()))
                .isEqualTo("a\uFFFDb\uFFFDc");
    }
}
