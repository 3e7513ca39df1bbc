package dev.ballast.jobs.handlers;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static dev.ballast.jobs.handlers.PostProcessFixture.AUTO_SEND_WORKSPACE;
import static dev.ballast.jobs.handlers.PostProcessFixture.INTEGRATIONS_TOKEN;
import static dev.ballast.jobs.handlers.PostProcessFixture.WEBHOOK_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code email-inbound-post-process} called directly, against WireMock standing in for the two services it calls. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmailInboundPostProcessTest {

    private static final AtomicLong IDS = new AtomicLong(1000);
    private static final List<String> KINDS = List.of("sentiment", "ai-draft", "enrichment", "auto-send", "sent",
            "slack-notice");

    private PostProcessFixture f;
    private WireMockServer integrations;
    private EmailInboundPostProcess handler;

    @BeforeAll
    void start() {
        f = new PostProcessFixture();
        integrations = f.integrations;
        handler = f.service.bean(EmailInboundPostProcess.class);
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @BeforeEach
    void reset() {
        f.reset();
        integrations.stubFor(post("/ai/sentiment").willReturn(okJson("{\"label\":\"positive\",\"score\":0.93}")));
        integrations.stubFor(post("/ai/drafts").willReturn(okJson(
                "{\"subject\":\"Re: pricing\",\"body\":\"Happy to talk Tuesday.\",\"confidence\":0.9}")));
        integrations.stubFor(post("/providers/emailbison/enrichment").willReturn(okJson(
                "{\"company\":\"Acme\",\"title\":\"CTO\"}")));
        integrations.stubFor(post("/providers/emailbison/replies").willReturn(okJson(
                "{\"provider\":\"emailbison\",\"providerId\":\"r-1\"}")));
        integrations.stubFor(post("/notifications/slack").willReturn(okJson("{\"channel\":\"C1\",\"ts\":\"1.2\"}")));
    }

    @Test
    void aReplyGetsEveryAnnotationWrittenAroundTheSendCarryingKeysTokensAndWorkspace() throws Exception {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of());

        JobOutcome outcome = handler.handle(job(id, AUTO_SEND_WORKSPACE));

        assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
        assertThat(f.webhook.findAll(getRequestedFor(urlEqualTo("/messages/" + id)))).hasSize(1);
        for (String path : List.of("/ai/sentiment", "/ai/drafts", "/providers/emailbison/enrichment",
                "/providers/emailbison/replies", "/notifications/slack")) {
            List<LoggedRequest> calls = integrations.findAll(postRequestedFor(urlEqualTo(path)));
            assertThat(calls).as(path).hasSize(1);
            LoggedRequest call = calls.getFirst();
            assertThat(call.getHeader("Authorization")).isEqualTo("Bearer " + INTEGRATIONS_TOKEN);
            assertThat(call.getHeader("X-Workspace-Id")).isEqualTo(AUTO_SEND_WORKSPACE.toString());
            assertThat(call.getHeader("Idempotency-Key")).startsWith("email-inbound-post-process:" + id + ":");
        }
        assertThat(bodyOf("/providers/emailbison/enrichment")).contains("jane@lead.example");
        JsonNode reply = f.service.json(bodyOf("/providers/emailbison/replies"));
        assertThat(reply.get("replyId").getStringValue()).isEqualTo(String.valueOf(90_000 + id));
        assertThat(reply.get("toEmails").get(0).getStringValue()).isEqualTo("jane@lead.example");
        assertThat(reply.get("body").getStringValue()).isEqualTo("Happy to talk Tuesday.");
        assertThat(keyOf("/providers/emailbison/replies")).isEqualTo("email-inbound-post-process:" + id + ":sent");
        assertThat(f.service.json(bodyOf("/ai/drafts")).get("channel").getStringValue()).isEqualTo("email");

        Map<String, JsonNode> written = f.annotationsWritten(id);
        assertThat(written.keySet()).containsExactlyElementsOf(KINDS);
        // what decided the send before it went out, its receipt right after, the rest at the end
        assertThat(f.annotationCalls(id)).extracting(call -> List.copyOf(call.keySet())).containsExactly(
                List.of("sentiment", "ai-draft", "enrichment", "auto-send"), List.of("sent"), List.of("slack-notice"));
        assertThat(f.webhook.findAll(putRequestedFor(urlEqualTo("/messages/" + id + "/annotations"))))
                .hasSize(3).allSatisfy(r -> {
                    assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + WEBHOOK_TOKEN);
                    assertThat(r.getHeader("X-Workspace-Id")).isEqualTo(AUTO_SEND_WORKSPACE.toString());
                });
        assertThat(written.get("sentiment").get("label").getStringValue()).isEqualTo("positive");
        assertThat(written.get("ai-draft").get("confidence").getDoubleValue()).isEqualTo(0.9);
        assertThat(written.get("enrichment").get("company").getStringValue()).isEqualTo("Acme");
        assertThat(written.get("auto-send").get("decision").getStringValue()).isEqualTo("send");
        assertThat(written.get("auto-send").get("reasons").size()).isZero();
        assertThat(written.get("sent").get("providerId").getStringValue()).isEqualTo("r-1");
        assertThat(written.get("slack-notice").get("ts").getStringValue()).isEqualTo("1.2");
        assertThat(bodyOf("/notifications/slack")).contains("positive").contains("auto-send send")
                .doesNotContain("Happy to talk");
        assertThat(steps(outcome)).containsEntry("sent", "done").containsEntry("slack-notice", "done");
    }

    @Test
    void aWorkspaceWithoutAutoSendIsHeldAndTheDecisionSaysWhy() throws Exception {
        long id = IDS.incrementAndGet();
        UUID other = UUID.randomUUID();
        f.stubMessage(f.message(id, other, Map.of()), Map.of());
        handler.handle(job(id, other));
        JsonNode decision = f.annotationsWritten(id).get("auto-send");
        assertThat(decision.get("decision").getStringValue()).isEqualTo("hold");
        assertThat(decision.get("reasons").get(0).getStringValue()).isEqualTo("workspace_disabled");
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/providers/emailbison/replies")))).isEmpty();
    }

    @Test
    void slackDownStillWritesTheDraftAndTheJobSucceedsWithTheSlackStepFailed() throws Exception {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of());
        integrations.stubFor(post("/notifications/slack").willReturn(aResponse().withStatus(503)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":503,\"outcome\":\"failed\",\"reason\":\"provider_unavailable\","
                        + "\"abortClass\":\"SERVER_ERROR\",\"retryable\":true}")));

        JobOutcome outcome = handler.handle(job(id, AUTO_SEND_WORKSPACE));

        assertThat(steps(outcome)).containsEntry("ai-draft", "done").containsEntry("slack-notice", "failed");
        JsonNode slack = f.annotationsWritten(id).get("slack-notice");
        assertThat(slack.get("status").getStringValue()).isEqualTo("failed");
        assertThat(slack.get("reason").getStringValue()).isEqualTo("provider_unavailable");
        assertThat(slack.get("abortClass").getStringValue()).isEqualTo("SERVER_ERROR");
        assertThat(slack.get("retryable").getBooleanValue()).isTrue();
        // the client retried once within the run (attempts = 2); the job does not go round again for a notice
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/notifications/slack")))).hasSize(2);
    }

    @Test
    void aDisconnectedSlackIsSkippedAndEnrichmentRefusedIsFailedAndNeitherStopsTheJob() throws Exception {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of());
        integrations.stubFor(post("/notifications/slack").willReturn(aResponse().withStatus(409)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":409,\"outcome\":\"skipped\",\"reason\":\"disconnected\",\"retryable\":false}")));
        integrations.stubFor(post("/providers/emailbison/enrichment").willReturn(aResponse().withStatus(422)));

        JobOutcome outcome = handler.handle(job(id, AUTO_SEND_WORKSPACE));

        assertThat(steps(outcome)).containsEntry("slack-notice", "skipped").containsEntry("enrichment", "failed")
                .containsEntry("sent", "done");
        assertThat(f.annotationsWritten(id).get("slack-notice").get("reason").getStringValue()).isEqualTo("disconnected");
        assertThat(f.annotationsWritten(id).get("enrichment").get("reason").getStringValue()).isEqualTo("http_422");
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/notifications/slack")))).hasSize(1);
    }

    @Test
    void integrationsServiceAnswering404EndsTheJobDeadAtOnceWithThatReason() {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of());
        integrations.stubFor(post("/ai/sentiment").willReturn(aResponse().withStatus(404)));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE)))
                .isInstanceOf(PermanentJobFailure.class).hasMessageContaining("sentiment").hasMessageContaining("http_404");
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/ai/sentiment")))).hasSize(1);
        assertThat(f.annotationsWritten(id)).isEmpty();
    }

    @Test
    void aRequiredStepIntegrationsCallsRetryableIsLeftToTheQueue() {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of());
        integrations.stubFor(post("/ai/drafts").willReturn(aResponse().withStatus(503).withHeader("Retry-After", "0")
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":503,\"outcome\":\"skipped\",\"reason\":\"breaker_open\",\"retryable\":true}")));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE)))
                .isInstanceOf(HttpClientResponseException.class).isNotInstanceOf(PermanentJobFailure.class);
        assertThat(f.annotationsWritten(id).keySet()).containsExactly("sentiment");
    }

    @Test
    void aProviderRefusingTheDraftIsPermanent() {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of());
        integrations.stubFor(post("/ai/drafts").willReturn(aResponse().withStatus(422)));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE))).isInstanceOf(PermanentJobFailure.class);
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/ai/drafts")))).hasSize(1);
        assertThat(f.annotationsWritten(id).keySet()).containsExactly("sentiment");
    }

    @Test
    void aConversationAlreadyAnsweredByAnOutboundMessageIsNeverAutoSent() throws Exception {
        long id = IDS.incrementAndGet();
        Map<String, Object> reply = f.message(id, AUTO_SEND_WORKSPACE, Map.of());
        f.stubMessage(reply, Map.of());
        f.stubLead(7, List.of(reply, f.message(id + 500, AUTO_SEND_WORKSPACE, Map.of("direction", "outbound",
                "eventType", "manual_email_sent", "sentAt", "2025-01-01T10:05:00Z",
                "receivedAt", "2025-01-01T10:05:01Z"))));

        handler.handle(job(id, AUTO_SEND_WORKSPACE));

        JsonNode decision = f.annotationsWritten(id).get("auto-send");
        assertThat(decision.get("decision").getStringValue()).isEqualTo("hold");
        assertThat(decision.get("reasons").get(0).getStringValue()).isEqualTo("answered_by_outbound");
        assertThat(decision.get("answeredBy").getLongValue()).isEqualTo(id + 500);
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/providers/emailbison/replies")))).isEmpty();
    }

    @Test
    void anOutboundMessageSentBeforeTheReplyDoesNotHoldIt() throws Exception {
        long id = IDS.incrementAndGet();
        Map<String, Object> reply = f.message(id, AUTO_SEND_WORKSPACE, Map.of());
        f.stubMessage(reply, Map.of());
        // the campaign email the lead is answering: stored later (a late webhook), sent before the reply
        f.stubLead(7, List.of(reply, f.message(id + 500, AUTO_SEND_WORKSPACE, Map.of("direction", "outbound",
                "sentAt", "2025-01-01T09:00:00Z", "receivedAt", "2025-01-01T10:30:00Z"))));

        handler.handle(job(id, AUTO_SEND_WORKSPACE));

        assertThat(f.annotationsWritten(id).get("auto-send").get("decision").getStringValue()).isEqualTo("send");
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/providers/emailbison/replies")))).hasSize(1);
    }

    @Test
    void aSupersededReplyIsHeld() throws Exception {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of("superseded",
                f.service.json("{\"byMessageId\":1}")));

        handler.handle(job(id, AUTO_SEND_WORKSPACE));

        JsonNode decision = f.annotationsWritten(id).get("auto-send");
        assertThat(decision.get("reasons").get(0).getStringValue()).isEqualTo("superseded");
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/providers/emailbison/replies")))).isEmpty();
    }

    @Test
    void aSendWhoseAnnotationFailedIsAskedAgainWithTheSameKeyAndNothingElseRepeats() throws Exception {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of());
        f.webhook.stubFor(put("/messages/" + id + "/annotations").withRequestBody(matchingJsonPath("$.sent"))
                .willReturn(aResponse().withStatus(500)));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE)))
                .isInstanceOf(HttpClientResponseException.class).isNotInstanceOf(PermanentJobFailure.class);
        Map<String, JsonNode> firstRun = f.annotationsWritten(id);
        assertThat(firstRun.keySet()).containsExactly("sentiment", "ai-draft", "enrichment", "auto-send", "sent");

        // webhook-service now holds what the first run wrote (all but "sent"); the write works again
        firstRun.remove("sent");
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), firstRun);
        f.webhook.stubFor(put("/messages/" + id + "/annotations").withRequestBody(matchingJsonPath("$.sent"))
                .willReturn(okJson("""
                {"messageId":1,"updatedAt":{}}""")));

        assertThat(handler.handle(job(id, AUTO_SEND_WORKSPACE))).isInstanceOf(JobOutcome.Succeeded.class);

        for (String path : List.of("/ai/sentiment", "/ai/drafts", "/providers/emailbison/enrichment")) {
            assertThat(integrations.findAll(postRequestedFor(urlEqualTo(path)))).as(path).hasSize(1);
        }
        // integrations-service answers the second ask from its store: same key, never a second send
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/providers/emailbison/replies"))))
                .hasSize(2).extracting(r -> r.getHeader("Idempotency-Key"))
                .containsOnly("email-inbound-post-process:" + id + ":sent");
    }

    @Test
    void aSendRefusedForGoodIsAnnotatedAndTheJobSucceeds() throws Exception {
        long id = IDS.incrementAndGet();
        f.stubMessage(f.message(id, AUTO_SEND_WORKSPACE, Map.of()), Map.of());
        integrations.stubFor(post("/providers/emailbison/replies").willReturn(aResponse().withStatus(409)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":409,\"outcome\":\"skipped\",\"reason\":\"disconnected\",\"retryable\":false}")));

        JobOutcome outcome = handler.handle(job(id, AUTO_SEND_WORKSPACE));

        assertThat(steps(outcome)).containsEntry("sent", "skipped").containsEntry("slack-notice", "done");
    }

    @Test
    void aMissingMessageIsAPermanentFailureAndAsksNoProvider() {
        long id = IDS.incrementAndGet();
        f.webhook.stubFor(get("/messages/" + id).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":404,\"title\":\"Not Found\"}")));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE))).isInstanceOf(PermanentJobFailure.class);
        assertThat(f.webhook.findAll(getRequestedFor(urlEqualTo("/messages/" + id)))).hasSize(1);
        assertThat(integrations.getAllServeEvents()).isEmpty();
    }

    @Test
    void aServerErrorFromWebhookServiceIsRetryableAfterTheClientsOwnRetries() {
        long id = IDS.incrementAndGet();
        f.webhook.stubFor(get("/messages/" + id).willReturn(aResponse().withStatus(500)));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE)))
                .isInstanceOf(HttpClientResponseException.class)
                .isNotInstanceOf(PermanentJobFailure.class);
        assertThat(f.webhook.findAll(getRequestedFor(urlEqualTo("/messages/" + id)))).hasSize(2);
        assertThat(integrations.getAllServeEvents()).isEmpty();
    }

    @Test
    void aPayloadWithoutMessageIdOrOfAnotherWorkspaceIsPermanent() {
        UUID ws = UUID.randomUUID();
        assertThatThrownBy(() -> handler.handle(new JobContext(1, EmailInboundPostProcess.TYPE, ws,
                f.service.json("{\"workspaceId\":\"" + ws + "\"}"), 1, 5, Instant.now().plusSeconds(30))))
                .isInstanceOf(PermanentJobFailure.class);
        assertThatThrownBy(() -> handler.handle(new JobContext(1, EmailInboundPostProcess.TYPE, ws,
                f.service.json("{\"messageId\":5,\"workspaceId\":\"" + UUID.randomUUID() + "\"}"), 1, 5,
                Instant.now().plusSeconds(30))))
                .isInstanceOf(PermanentJobFailure.class);
        assertThat(f.webhook.getAllServeEvents()).isEmpty();
    }

    private JobContext job(long messageId, UUID workspace) {
        return f.job(EmailInboundPostProcess.TYPE, messageId, workspace);
    }

    private String bodyOf(String path) {
        return integrations.findAll(postRequestedFor(urlEqualTo(path))).getFirst().getBodyAsString();
    }

    private String keyOf(String path) {
        return integrations.findAll(postRequestedFor(urlEqualTo(path))).getFirst().getHeader("Idempotency-Key");
    }

    static Map<String, String> steps(JobOutcome outcome) {
        JsonNode steps = ((JobOutcome.Succeeded) outcome).result().get("steps");
        Map<String, String> out = new java.util.LinkedHashMap<>();
        steps.entries().forEach(e -> out.put(e.getKey(), e.getValue().getStringValue()));
        return out;
    }
}
