package dev.ballast.jobs.handlers;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import dev.ballast.jobs.testing.RealIntegrationsService;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
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

/**
 * email-inbound-post-process against the real integrations-service: WireMock stands in only for webhook-service
 * and, at the provider edge, for the AI API, EmailBison and Slack. A second run of the same job is answered from
 * integrations-service's stored answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmailInboundAgainstIntegrationsTest {

    private static final List<String> KINDS = List.of("sentiment", "ai-draft", "enrichment", "auto-send", "sent",
            "slack-notice");

    private WireMockServer webhook;
    private RealIntegrationsService integrations;
    private WireMockServer providers;
    private JobsServiceUnderTest jobs;

    @BeforeAll
    void start() throws Exception {
        webhook = new WireMockServer(options().dynamicPort());
        webhook.start();
        integrations = new RealIntegrationsService();
        providers = integrations.providers;
        Map<String, Object> jobProps = new LinkedHashMap<>(integrations.clientProperties());
        jobProps.put("micronaut.http.services.webhook.url", webhook.baseUrl());
        jobProps.put("ballast.jobs.handlers.auto-send.workspaces", "*");
        jobs = JobsServiceUnderTest.start(jobProps);
    }

    @AfterAll
    void stop() {
        if (jobs != null) {
            jobs.close();
        }
        integrations.close();
        webhook.stop();
    }

    @Test
    void aReplyGetsEveryAnnotationThroughTheRealIntegrationsService() throws Exception {
        UUID ws = UUID.randomUUID();
        long messageId = 4242;
        integrations.connect(ws, "emailbison", "{\"token\":\"eb-it\"}");
        integrations.connect(ws, "slack", "{\"token\":\"xoxb-it\",\"channel\":\"#replies\"}");
        providers.stubFor(any(urlEqualTo("/ai/chat/completions")).willReturn(okJson("""
                {"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",
                 "content":"{\\"label\\":\\"interested\\",\\"score\\":0.91,\\"subject\\":\\"Re: pricing\\",\\"body\\":\\"Tuesday works.\\",\\"confidence\\":0.88}"},
                 "finish_reason":"stop"}]}""")));
        providers.stubFor(any(urlPathMatching("/emailbison/api/leads/.*")).willReturn(okJson(
                "{\"data\":{\"email\":\"jane@lead.example\",\"company\":\"Acme\",\"title\":\"CTO\"}}")));
        providers.stubFor(post(urlPathMatching("/emailbison/api/replies/\\d+/reply")).willReturn(okJson(
                "{\"data\":{\"id\":555,\"success\":true}}")));
        providers.stubFor(any(urlEqualTo("/slack/chat.postMessage")).willReturn(okJson(
                "{\"ok\":true,\"channel\":\"C0REPLIES\",\"ts\":\"1700000000.000200\"}")));
        webhook.stubFor(get("/messages/" + messageId).willReturn(okJson("""
                {"id":%d,"workspaceId":"%s","leadId":7,"provider":"emailbison","externalId":"reply:31@app.emailbison.com",
                 "channel":"email","direction":"inbound","eventType":"LEAD_REPLIED","subject":"Re: pricing",
                 "body":"Sounds good","fromAddress":"jane@lead.example","toAddress":"sales@us.example","metadata":{},
                 "receivedAt":"2026-01-01T00:00:00Z"}""".formatted(messageId, ws))));
        webhook.stubFor(get(urlPathMatching("/leads/7/messages")).willReturn(okJson("{\"items\":[]}")));
        webhook.stubFor(put(urlPathMatching("/messages/\\d+/annotations/[a-z-]+")).willReturn(okJson(
                "{\"kind\":\"k\",\"value\":{},\"updatedAt\":\"2026-01-01T00:00:00Z\"}")));
        EmailInboundPostProcess handler = jobs.bean(EmailInboundPostProcess.class);

        assertThat(handler.handle(job(messageId, ws))).isInstanceOf(JobOutcome.Succeeded.class);

        Map<String, JsonNode> written = new LinkedHashMap<>();
        webhook.findAll(putRequestedFor(urlPathMatching("/messages/" + messageId + "/annotations/.*"))).forEach(r ->
                written.put(r.getUrl().substring(r.getUrl().lastIndexOf('/') + 1), jobs.json(r.getBodyAsString())));
        assertThat(written.keySet()).containsExactlyElementsOf(KINDS);
        assertThat(written.get("sentiment").get("label").getStringValue()).isEqualTo("interested");
        assertThat(written.get("ai-draft").get("body").getStringValue()).isEqualTo("Tuesday works.");
        assertThat(written.get("enrichment").get("company").getStringValue()).isEqualTo("Acme");
        assertThat(written.get("auto-send").get("decision").getStringValue()).isEqualTo("send");
        assertThat(written.get("sent").get("provider").getStringValue()).isEqualTo("emailbison");
        assertThat(written.get("slack-notice").get("channel").getStringValue()).isEqualTo("C0REPLIES");
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/ai/chat/completions")))).hasSize(2);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/emailbison/api/replies/31/reply")))).hasSize(1);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage")))).hasSize(1);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage"))).getFirst()
                .getHeader("Authorization")).isEqualTo("Bearer xoxb-it");

        // the same job again, as a retry after a lost annotation write would run it: no provider is asked twice
        webhook.resetRequests();
        assertThat(handler.handle(job(messageId, ws))).isInstanceOf(JobOutcome.Succeeded.class);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/ai/chat/completions")))).hasSize(2);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/emailbison/api/replies/31/reply")))).hasSize(1);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage")))).hasSize(1);
        assertThat(providers.findAll(getRequestedFor(urlPathMatching("/emailbison/api/leads/.*")))).hasSize(1);
    }

    private JobContext job(long messageId, UUID workspace) {
        JsonNode payload = jobs.json("""
                {"workspaceId":"%s","leadId":7,"provider":"emailbison","channel":"email","direction":"inbound",
                 "messageId":%d}""".formatted(workspace, messageId));
        return new JobContext(messageId, EmailInboundPostProcess.TYPE, workspace, payload, 1, 5,
                Instant.now().plusSeconds(60));
    }
}
