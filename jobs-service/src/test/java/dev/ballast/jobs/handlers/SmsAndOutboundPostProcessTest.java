package dev.ballast.jobs.handlers;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.jobs.queue.JobOutcome;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static dev.ballast.jobs.handlers.PostProcessFixture.AUTO_SEND_WORKSPACE;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code sms-inbound-post-process} and the two outbound post-processes, called directly. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SmsAndOutboundPostProcessTest {

    private static final AtomicLong IDS = new AtomicLong(5000);
    private static final AtomicLong LEADS = new AtomicLong(700);

    private PostProcessFixture f;
    private WireMockServer integrations;

    @BeforeAll
    void start() {
        f = new PostProcessFixture();
        integrations = f.integrations;
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @BeforeEach
    void reset() {
        f.reset();
        integrations.stubFor(post("/ai/sentiment").willReturn(okJson("{\"label\":\"interested\",\"score\":0.8}")));
        integrations.stubFor(post("/ai/drafts").willReturn(okJson("{\"body\":\"Friday 3pm works.\",\"confidence\":0.95}")));
        integrations.stubFor(post("/providers/ghl/sms").willReturn(okJson("{\"provider\":\"ghl\",\"providerId\":\"m-9\"}")));
        integrations.stubFor(post("/notifications/slack").willReturn(okJson("{\"channel\":\"C1\",\"ts\":\"3.4\"}")));
    }

    @Test
    void anInboundSmsGetsAnSmsSizedDraftAndIsAnsweredByGhlSmsToItsContactWithoutEnrichment() throws Exception {
        long id = IDS.incrementAndGet();
        f.stubMessage(sms(id, "inbound", "2025-01-01T10:00:00Z", 7), Map.of());

        JobOutcome outcome = f.service.bean(SmsInboundPostProcess.class)
                .handle(f.job(SmsInboundPostProcess.TYPE, id, AUTO_SEND_WORKSPACE));

        assertThat(EmailInboundPostProcessTest.steps(outcome)).containsOnlyKeys("sentiment", "ai-draft", "auto-send",
                "sent", "slack-notice").containsValues("done");
        JsonNode draftRequest = f.service.json(integrations.findAll(postRequestedFor(urlEqualTo("/ai/drafts")))
                .getFirst().getBodyAsString());
        assertThat(draftRequest.get("channel").getStringValue()).isEqualTo("sms");
        assertThat(draftRequest.get("maxChars").getIntValue()).isEqualTo(320);
        var sends = integrations.findAll(postRequestedFor(urlEqualTo("/providers/ghl/sms")));
        assertThat(sends).hasSize(1);
        assertThat(sends.getFirst().getHeader("Idempotency-Key")).isEqualTo("sms-inbound-post-process:" + id + ":sent");
        JsonNode send = f.service.json(sends.getFirst().getBodyAsString());
        assertThat(send.get("contactId").getStringValue()).isEqualTo("contact-" + id);
        assertThat(send.get("message").getStringValue()).isEqualTo("Friday 3pm works.");
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/providers/emailbison/enrichment")))).isEmpty();
        assertThat(f.annotationsWritten(id).get("sent").get("providerId").getStringValue()).isEqualTo("m-9");
    }

    @Test
    void anInboundSmsWithoutAGhlContactIsHeldNotSent() throws Exception {
        long id = IDS.incrementAndGet();
        Map<String, Object> message = sms(id, "inbound", "2025-01-01T10:00:00Z", 7);
        message.put("metadata", Map.of());
        f.stubMessage(message, Map.of());

        f.service.bean(SmsInboundPostProcess.class).handle(f.job(SmsInboundPostProcess.TYPE, id, AUTO_SEND_WORKSPACE));

        JsonNode decision = f.annotationsWritten(id).get("auto-send");
        assertThat(decision.get("decision").getStringValue()).isEqualTo("hold");
        assertThat(decision.get("reasons").get(0).getStringValue()).isEqualTo("no_ghl_contact_id");
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/providers/ghl/sms")))).isEmpty();
    }

    @Test
    void anOutboundEmailSupersedesTheRepliesItAnsweredButNotOnesAlreadySentOrEarlierOrLater() throws Exception {
        long lead = LEADS.incrementAndGet();
        UUID ws = AUTO_SEND_WORKSPACE;
        long base = IDS.addAndGet(10);
        Map<String, Object> oldReply = email(base + 1, "inbound", "2025-01-01T08:00:00Z", lead);
        Map<String, Object> campaign = email(base + 2, "outbound", "2025-01-01T09:00:00Z", lead);
        Map<String, Object> reply = email(base + 3, "inbound", "2025-01-01T10:00:00Z", lead);
        Map<String, Object> autoSent = email(base + 4, "inbound", "2025-01-01T10:10:00Z", lead);
        Map<String, Object> manual = email(base + 5, "outbound", "2025-01-01T11:00:00Z", lead);
        Map<String, Object> later = email(base + 6, "inbound", "2025-01-01T12:00:00Z", lead);
        f.stubLead(lead, List.of(oldReply, campaign, reply, autoSent, manual, later));
        for (Map<String, Object> m : List.of(oldReply, campaign, reply, manual, later)) {
            f.stubMessage(m, Map.of());
        }
        f.stubMessage(autoSent, Map.of("sent", f.service.json("{\"status\":\"sent\"}")));

        JobOutcome outcome = f.service.bean(EmailOutboundPostProcess.class)
                .handle(job(EmailOutboundPostProcess.TYPE, base + 5, ws, lead));

        JsonNode result = ((JobOutcome.Succeeded) outcome).result();
        assertThat(result.get("superseded").size()).isEqualTo(1);
        assertThat(result.get("superseded").get(0).getLongValue()).isEqualTo(base + 3);
        JsonNode superseded = f.annotationsWritten(base + 3).get("superseded");
        assertThat(superseded.get("byMessageId").getLongValue()).isEqualTo(base + 5);
        assertThat(superseded.get("channel").getStringValue()).isEqualTo("email");
        for (long untouched : List.of(base + 1, base + 4, base + 6)) {
            assertThat(f.annotationsWritten(untouched)).as("message %d", untouched).isEmpty();
        }
        assertThat(f.service.queryOne("SELECT message_id FROM jobs.lead_contacts WHERE workspace_id = ? AND lead_id = ?",
                ws, lead)).isEqualTo(base + 5);
    }

    @Test
    void anOlderOutboundProcessedLateNeverMovesTheLastContactBack() throws Exception {
        long lead = LEADS.incrementAndGet();
        UUID ws = UUID.randomUUID();
        long base = IDS.addAndGet(10);
        Map<String, Object> newer = sms(base + 2, "outbound", "2025-01-02T09:00:00Z", lead);
        Map<String, Object> older = sms(base + 1, "outbound", "2025-01-01T09:00:00Z", lead);
        for (Map<String, Object> m : List.of(newer, older)) {
            m.put("workspaceId", ws.toString());
            f.stubMessage(m, Map.of());
        }
        SmsOutboundPostProcess handler = f.service.bean(SmsOutboundPostProcess.class);

        JobOutcome first = handler.handle(job(SmsOutboundPostProcess.TYPE, base + 2, ws, lead));
        JobOutcome second = handler.handle(job(SmsOutboundPostProcess.TYPE, base + 1, ws, lead));

        assertThat(((JobOutcome.Succeeded) first).result().get("lastContactMoved").getBooleanValue()).isTrue();
        assertThat(((JobOutcome.Succeeded) second).result().get("lastContactMoved").getBooleanValue()).isFalse();
        Map<String, Object> row = f.service.query(
                "SELECT message_id, channel FROM jobs.lead_contacts WHERE workspace_id = ? AND lead_id = ?", ws, lead)
                .getFirst();
        assertThat(row).containsEntry("message_id", base + 2).containsEntry("channel", "sms");
        assertThat(f.webhook.findAll(putRequestedFor(urlPathMatching("/messages/.*")))).isEmpty();
    }

    private dev.ballast.jobs.queue.JobContext job(String type, long messageId, UUID ws, long lead) {
        return new dev.ballast.jobs.queue.JobContext(messageId, type, ws, f.service.json("""
                {"workspaceId":"%s","leadId":%d,"messageId":%d}""".formatted(ws, lead, messageId)), 1, 5,
                java.time.Instant.now().plusSeconds(30));
    }

    private Map<String, Object> email(long id, String direction, String at, long lead) {
        return new java.util.LinkedHashMap<>(f.message(id, AUTO_SEND_WORKSPACE, Map.of("direction", direction,
                "leadId", lead, "receivedAt", at, "sentAt", at)));
    }

    private Map<String, Object> sms(long id, String direction, String at, long lead) {
        return new java.util.LinkedHashMap<>(f.message(id, AUTO_SEND_WORKSPACE, Map.of("direction", direction,
                "leadId", lead, "provider", "ghl", "channel", "sms", "externalId", "message:m" + id,
                "subject", "", "fromAddress", "+15550100", "receivedAt", at,
                "metadata", Map.of("contactId", "contact-" + id))));
    }
}
