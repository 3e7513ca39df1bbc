package dev.ballast.jobs.handlers;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.MappingBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The handler called directly with a JobContext, against WireMock standing in for webhook-service and
 * integrations-service. Request counts prove which steps ran.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmailInboundPostProcessTest {

    private static final String WEBHOOK_TOKEN = "test-webhook-token";
    private static final String INTEGRATIONS_TOKEN = "test-integrations-token";
    private static final UUID AUTO_SEND_WORKSPACE = UUID.randomUUID();
    private static final AtomicLong IDS = new AtomicLong(1000);
    private static final List<String> KINDS = List.of("sentiment", "ai-draft", "enrichment", "auto-send", "slack-notice");

    private WireMockServer webhook;
    private WireMockServer integrations;
    private JobsServiceUnderTest service;
    private EmailInboundPostProcess handler;

    @BeforeAll
    void start() {
        webhook = new WireMockServer(options().dynamicPort());
        integrations = new WireMockServer(options().dynamicPort());
        webhook.start();
        integrations.start();
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("micronaut.http.services.webhook.url", webhook.baseUrl());
        props.put("micronaut.http.services.integrations.url", integrations.baseUrl());
        props.put("micronaut.http.services.integrations.read-timeout", "2s");
        for (String client : List.of("webhook", "integrations")) {
            props.put("ballast.clients." + client + ".attempts", "2");
            props.put("ballast.clients." + client + ".base", "10ms");
            props.put("ballast.clients." + client + ".cap", "20ms");
            props.put("ballast.clients." + client + ".deadline", "5s");
            props.put("ballast.clients." + client + ".breaker.enabled", "false");
        }
        props.put("ballast.jobs.handlers.webhook-service-token", WEBHOOK_TOKEN);
        props.put("ballast.jobs.handlers.integrations-service-token", INTEGRATIONS_TOKEN);
        props.put("ballast.jobs.handlers.auto-send.workspaces", AUTO_SEND_WORKSPACE.toString());
        props.put("ballast.jobs.handlers.auto-send.min-confidence", "0.8");
        service = JobsServiceUnderTest.start(props);
        handler = service.bean(EmailInboundPostProcess.class);
    }

    @AfterAll
    void stop() {
        service.close();
        webhook.stop();
        integrations.stop();
    }

    @BeforeEach
    void reset() {
        webhook.resetAll();
        integrations.resetAll();
        webhook.stubFor(put(urlPathMatching("/messages/\\d+/annotations/[a-z-]+")).willReturn(okJson("""
                {"kind":"k","value":{},"updatedAt":"2025-01-01T00:00:00Z"}""")));
        integrations.stubFor(post("/ai/sentiment").willReturn(okJson("{\"label\":\"positive\",\"score\":0.93}")));
        integrations.stubFor(post("/ai/drafts").willReturn(okJson(
                "{\"subject\":\"Re: pricing\",\"body\":\"Happy to talk Tuesday.\",\"confidence\":0.9}")));
        integrations.stubFor(post("/providers/emailbison/enrichment").willReturn(okJson(
                "{\"company\":\"Acme\",\"title\":\"CTO\"}")));
        integrations.stubFor(post("/notifications/slack").willReturn(okJson("{\"channel\":\"C1\",\"ts\":\"1.2\"}")));
    }

    @Test
    void aReplyGetsEveryAnnotationWithOneCallPerStepCarryingKeysTokensAndWorkspace() throws Exception {
        long id = IDS.incrementAndGet();
        stubMessage(id, AUTO_SEND_WORKSPACE, Map.of());

        JobOutcome outcome = handler.handle(job(id, AUTO_SEND_WORKSPACE));

        assertThat(outcome).isInstanceOf(JobOutcome.Succeeded.class);
        assertThat(webhook.findAll(getRequestedFor(urlEqualTo("/messages/" + id)))).hasSize(1);
        for (String path : List.of("/ai/sentiment", "/ai/drafts", "/providers/emailbison/enrichment",
                "/notifications/slack")) {
            List<LoggedRequest> calls = integrations.findAll(postRequestedFor(urlEqualTo(path)));
            assertThat(calls).as(path).hasSize(1);
            LoggedRequest call = calls.getFirst();
            assertThat(call.getHeader("Authorization")).isEqualTo("Bearer " + INTEGRATIONS_TOKEN);
            assertThat(call.getHeader("X-Workspace-Id")).isEqualTo(AUTO_SEND_WORKSPACE.toString());
            assertThat(call.getHeader("Idempotency-Key")).startsWith("email-inbound-post-process:" + id + ":");
        }
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/providers/emailbison/enrichment"))).getFirst()
                .getBodyAsString()).contains("jane@lead.example");

        Map<String, JsonNode> written = annotationsWritten(id);
        assertThat(written.keySet()).containsExactlyElementsOf(KINDS);
        for (String kind : KINDS) {
            assertThat(webhook.findAll(putRequestedFor(urlEqualTo("/messages/" + id + "/annotations/" + kind))))
                    .as(kind).hasSize(1).allSatisfy(r -> {
                        assertThat(r.getHeader("Authorization")).isEqualTo("Bearer " + WEBHOOK_TOKEN);
                        assertThat(r.getHeader("X-Workspace-Id")).isEqualTo(AUTO_SEND_WORKSPACE.toString());
                    });
        }
        assertThat(written.get("sentiment").get("label").getStringValue()).isEqualTo("positive");
        assertThat(written.get("ai-draft").get("confidence").getDoubleValue()).isEqualTo(0.9);
        assertThat(written.get("enrichment").get("company").getStringValue()).isEqualTo("Acme");
        assertThat(written.get("auto-send").get("decision").getStringValue()).isEqualTo("send");
        assertThat(written.get("auto-send").get("reasons").size()).isZero();
        assertThat(written.get("slack-notice").get("ts").getStringValue()).isEqualTo("1.2");
        String slackBody = integrations.findAll(postRequestedFor(urlEqualTo("/notifications/slack"))).getFirst()
                .getBodyAsString();
        assertThat(slackBody).contains("positive").contains("auto-send send").doesNotContain("Happy to talk");
    }

    @Test
    void aWorkspaceWithoutAutoSendIsHeldAndTheDecisionSaysWhy() throws Exception {
        long id = IDS.incrementAndGet();
        UUID other = UUID.randomUUID();
        stubMessage(id, other, Map.of());
        handler.handle(job(id, other));
        JsonNode decision = annotationsWritten(id).get("auto-send");
        assertThat(decision.get("decision").getStringValue()).isEqualTo("hold");
        assertThat(decision.get("reasons").get(0).getStringValue()).isEqualTo("workspace_disabled");
    }

    @Test
    void aRetryAfterSlackFailedRepeatsNoCompletedStepAndReusesTheSlackKey() throws Exception {
        long id = IDS.incrementAndGet();
        stubMessage(id, AUTO_SEND_WORKSPACE, Map.of());
        integrations.stubFor(post("/notifications/slack").willReturn(aResponse().withStatus(503)));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE)))
                .isInstanceOf(HttpClientResponseException.class)
                .isNotInstanceOf(PermanentJobFailure.class);
        Map<String, JsonNode> firstRun = annotationsWritten(id);
        assertThat(firstRun.keySet()).containsExactly("sentiment", "ai-draft", "enrichment", "auto-send");
        // the client retried once within the run (attempts = 2)
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/notifications/slack")))).hasSize(2);

        // webhook-service now holds what the first run wrote; Slack is back
        stubMessage(id, AUTO_SEND_WORKSPACE, firstRun);
        integrations.stubFor(post("/notifications/slack").willReturn(okJson("{\"channel\":\"C1\",\"ts\":\"9.9\"}")));

        assertThat(handler.handle(job(id, AUTO_SEND_WORKSPACE))).isInstanceOf(JobOutcome.Succeeded.class);

        for (String path : List.of("/ai/sentiment", "/ai/drafts", "/providers/emailbison/enrichment")) {
            assertThat(integrations.findAll(postRequestedFor(urlEqualTo(path)))).as(path).hasSize(1);
        }
        List<LoggedRequest> slack = integrations.findAll(postRequestedFor(urlEqualTo("/notifications/slack")));
        assertThat(slack).hasSize(3);
        assertThat(slack).extracting(r -> r.getHeader("Idempotency-Key")).containsOnly(
                "email-inbound-post-process:" + id + ":slack-notice");
        for (String kind : KINDS) {
            assertThat(webhook.findAll(putRequestedFor(urlEqualTo("/messages/" + id + "/annotations/" + kind))))
                    .as(kind).hasSize(1);
        }
    }

    @Test
    void aMissingMessageIsAPermanentFailureAndAsksNoProvider() {
        long id = IDS.incrementAndGet();
        webhook.stubFor(get("/messages/" + id).willReturn(aResponse().withStatus(404)
                .withHeader("Content-Type", "application/problem+json")
                .withBody("{\"status\":404,\"title\":\"Not Found\"}")));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE))).isInstanceOf(PermanentJobFailure.class);
        assertThat(webhook.findAll(getRequestedFor(urlEqualTo("/messages/" + id)))).hasSize(1);
        assertThat(integrations.getAllServeEvents()).isEmpty();
    }

    @Test
    void aServerErrorFromWebhookServiceIsRetryableAfterTheClientsOwnRetries() {
        long id = IDS.incrementAndGet();
        webhook.stubFor(get("/messages/" + id).willReturn(aResponse().withStatus(500)));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE)))
                .isInstanceOf(HttpClientResponseException.class)
                .isNotInstanceOf(PermanentJobFailure.class);
        assertThat(webhook.findAll(getRequestedFor(urlEqualTo("/messages/" + id)))).hasSize(2);
        assertThat(integrations.getAllServeEvents()).isEmpty();
    }

    @Test
    void aProviderRefusingTheRequestIsPermanent() {
        long id = IDS.incrementAndGet();
        stubMessage(id, AUTO_SEND_WORKSPACE, Map.of());
        integrations.stubFor(post("/ai/drafts").willReturn(aResponse().withStatus(422)));

        assertThatThrownBy(() -> handler.handle(job(id, AUTO_SEND_WORKSPACE))).isInstanceOf(PermanentJobFailure.class);
        assertThat(integrations.findAll(postRequestedFor(urlEqualTo("/ai/drafts")))).hasSize(1);
        assertThat(annotationsWritten(id).keySet()).containsExactly("sentiment");
    }

    @Test
    void aPayloadWithoutMessageIdOrOfAnotherWorkspaceIsPermanent() {
        UUID ws = UUID.randomUUID();
        assertThatThrownBy(() -> handler.handle(new JobContext(1, EmailInboundPostProcess.TYPE, ws,
                service.json("{\"workspaceId\":\"" + ws + "\"}"), 1, 5, Instant.now().plusSeconds(30))))
                .isInstanceOf(PermanentJobFailure.class);
        assertThatThrownBy(() -> handler.handle(new JobContext(1, EmailInboundPostProcess.TYPE, ws,
                service.json("{\"messageId\":5,\"workspaceId\":\"" + UUID.randomUUID() + "\"}"), 1, 5,
                Instant.now().plusSeconds(30))))
                .isInstanceOf(PermanentJobFailure.class);
        assertThat(webhook.getAllServeEvents()).isEmpty();
    }

    private JobContext job(long messageId, UUID workspace) {
        JsonNode payload = service.json("""
                {"workspaceId":"%s","leadId":7,"provider":"emailbison","eventType":"LEAD_REPLIED",
                 "channel":"email","direction":"inbound","messageId":%d}""".formatted(workspace, messageId));
        return new JobContext(messageId, EmailInboundPostProcess.TYPE, workspace, payload, 1, 5,
                Instant.now().plusSeconds(30));
    }

    /** webhook-service's answer for the message, holding {@code annotations} (kind → value). */
    private void stubMessage(long id, UUID workspace, Map<String, JsonNode> annotations) {
        Map<String, Object> byKind = new LinkedHashMap<>();
        annotations.forEach((kind, value) -> byKind.put(kind, Map.of("kind", kind, "value", value,
                "updatedAt", "2025-01-01T00:00:00Z")));
        Map<String, Object> message = new LinkedHashMap<>();
        message.put("id", id);
        message.put("workspaceId", workspace.toString());
        message.put("leadId", 7);
        message.put("provider", "emailbison");
        message.put("externalId", "ext-" + id);
        message.put("channel", "email");
        message.put("direction", "inbound");
        message.put("eventType", "LEAD_REPLIED");
        message.put("subject", "Re: pricing");
        message.put("body", "Sounds good, let's talk.");
        message.put("fromAddress", "jane@lead.example");
        message.put("toAddress", "sales@us.example");
        message.put("metadata", Map.of());
        message.put("receivedAt", "2025-01-01T00:00:00Z");
        if (!byKind.isEmpty()) {
            message.put("annotations", byKind);
        }
        MappingBuilder stub = get("/messages/" + id).willReturn(okJson(service.jsonString(message)));
        webhook.stubFor(stub);
    }

    /** The annotation values PUT for a message, by kind, in the order they were written. */
    private Map<String, JsonNode> annotationsWritten(long id) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        webhook.findAll(putRequestedFor(urlPathMatching("/messages/" + id + "/annotations/.*"))).forEach(r -> {
            String kind = r.getUrl().substring(r.getUrl().lastIndexOf('/') + 1);
            out.put(kind, service.json(r.getBodyAsString()));
        });
        return out;
    }
}
