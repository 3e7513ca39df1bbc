package dev.ballast.jobs.handlers;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import dev.ballast.jobs.testing.RealIntegrationsService;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * email-inbound-post-process and the pipeline's exactly-once promises against the real integrations-service, WireMock
 * at the provider edge and for webhook-service (whose annotation write is made to fail): the provider's own request
 * counts are the proof.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PipelineAgainstIntegrationsTest {

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
        Map<String, Object> props = new LinkedHashMap<>(integrations.clientProperties());
        props.put("micronaut.http.services.webhook.url", webhook.baseUrl());
        props.put("ballast.jobs.handlers.auto-send.workspaces", "*");
        props.put("ballast.jobs.workers.enabled", "false");
        props.put("ballast.jobs.periodic.enabled", "false");
        props.put("ballast.clients.webhook.attempts", "1");
        jobs = JobsServiceUnderTest.start(props);
    }

    @AfterAll
    void stop() {
        jobs.close();
        integrations.close();
        webhook.stop();
    }

    @BeforeEach
    void reset() {
        webhook.resetAll();
        providers.resetAll();
        webhook.stubFor(put(urlPathMatching("/messages/\\d+/annotations")).willReturn(okJson(
                "{\"messageId\":1,\"updatedAt\":{}}")));
        webhook.stubFor(get(urlPathMatching("/leads/\\d+/messages")).willReturn(okJson("{\"items\":[]}")));
        providers.stubFor(any(urlEqualTo("/ai/chat/completions")).willReturn(okJson("""
                {"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",
                 "content":"{\\"label\\":\\"interested\\",\\"score\\":0.91,\\"subject\\":\\"Re: pricing\\",\\"body\\":\\"Tuesday works.\\",\\"confidence\\":0.95}"},
                 "finish_reason":"stop"}]}""")));
        providers.stubFor(any(urlPathMatching("/emailbison/api/leads/.*")).willReturn(okJson(
                "{\"data\":{\"email\":\"jane@lead.example\",\"company\":\"Acme\"}}")));
        providers.stubFor(post(urlPathMatching("/emailbison/api/replies/\\d+/reply")).willReturn(okJson(
                "{\"data\":{\"id\":777,\"success\":true}}")));
        providers.stubFor(post("/slack/chat.postMessage").willReturn(okJson(
                "{\"ok\":true,\"channel\":\"C0REPLIES\",\"ts\":\"1700000000.000200\"}")));
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
        webhook.stubFor(put(urlPathMatching("/messages/\\d+/annotations")).willReturn(okJson(
                "{\"messageId\":1,\"updatedAt\":{}}")));
        EmailInboundPostProcess handler = jobs.bean(EmailInboundPostProcess.class);

        assertThat(handler.handle(job(EmailInboundPostProcess.TYPE, messageId, ws, null))).isInstanceOf(JobOutcome.Succeeded.class);

        Map<String, JsonNode> written = new LinkedHashMap<>();
        webhook.findAll(putRequestedFor(urlPathEqualTo("/messages/" + messageId + "/annotations"))).forEach(r ->
                jobs.json(r.getBodyAsString()).entries().forEach(e -> written.put(e.getKey(), e.getValue())));
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
        assertThat(handler.handle(job(EmailInboundPostProcess.TYPE, messageId, ws, null))).isInstanceOf(JobOutcome.Succeeded.class);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/ai/chat/completions")))).hasSize(2);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/emailbison/api/replies/31/reply")))).hasSize(1);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage")))).hasSize(1);
        assertThat(providers.findAll(getRequestedFor(urlPathMatching("/emailbison/api/leads/.*")))).hasSize(1);
    }

    @Test
    void anAutoSendKilledBetweenTheProvidersAnswerAndItsAnnotationReachesTheProviderOnce() throws Exception {
        UUID ws = connectedWorkspace();
        long messageId = 8101;
        stubMessage(messageId, ws);
        // the first run dies where a crash would: after the provider sent, before "sent" is written
        webhook.stubFor(put("/messages/" + messageId + "/annotations").withRequestBody(matchingJsonPath("$.sent"))
                .inScenario("crash")
                .whenScenarioStateIs(com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED)
                .willReturn(aResponse().withStatus(500)).willSetStateTo("recovered"));
        EmailInboundPostProcess handler = jobs.bean(EmailInboundPostProcess.class);

        assertThatThrownBy(() -> handler.handle(job(EmailInboundPostProcess.TYPE, messageId, ws, null)))
                .isNotInstanceOf(PermanentJobFailure.class);
        assertThat(providers.findAll(postRequestedFor(urlPathMatching("/emailbison/api/replies/.*")))).hasSize(1);

        JobOutcome retried = handler.handle(job(EmailInboundPostProcess.TYPE, messageId, ws, null));

        assertThat(EmailInboundPostProcessTest.steps(retried)).containsEntry("sent", "done");
        assertThat(providers.findAll(postRequestedFor(urlPathMatching("/emailbison/api/replies/.*"))))
                .as("EmailBison saw one send").hasSize(1);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/emailbison/api/replies/99101/reply")))).hasSize(1);
    }

    @Test
    void aDigestRunTwiceAndByTwoReplicasAtOncePostsOnceAndNamesTheIntegrationsNotConnected() throws Exception {
        UUID ws = connectedWorkspace();
        // EmailBison says the workspace's key is no good: integrations-service marks it DISCONNECTED
        providers.stubFor(any(urlPathMatching("/emailbison/api/leads/.*")).willReturn(aResponse().withStatus(401)));
        assertThatThrownBy(() -> jobs.bean(IntegrationsClient.class).enrichment("probe-" + ws, ws.toString(),
                new dev.ballast.integrations.api.IntegrationsOperations.EnrichmentRequest(ws, 7, "jane@lead.example")))
                .isInstanceOf(io.micronaut.http.client.exceptions.HttpClientResponseException.class);
        DailyDigest digest = jobs.bean(DailyDigest.class);
        JobContext job = job(DailyDigest.TYPE, 0, ws, "2030-06-03");

        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            List<Callable<JobOutcome>> runs = new ArrayList<>(List.of(() -> digest.handle(job), () -> digest.handle(job)));
            for (Future<JobOutcome> f : pool.invokeAll(runs)) {
                assertThat(f.get()).isInstanceOf(JobOutcome.Succeeded.class);
            }
        }
        assertThat(digest.handle(job)).isInstanceOf(JobOutcome.Succeeded.class);

        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> slackPosts("is disconnected")
                .size() == 1);
        var digests = slackPosts("Daily digest 2030-06-03");
        assertThat(digests).as("digest posts").hasSize(1);
        assertThat(digests.getFirst()).contains("Not connected: emailbison (DISCONNECTED)");
        assertThat(slackPosts("")).as("the digest and the disconnect alert, nothing twice").hasSize(2);
    }

    @Test
    void aRequestTheProviderRefusesEndsTheJobDeadAtOnce() throws Exception {
        UUID ws = connectedWorkspace();
        long messageId = 8103;
        stubMessage(messageId, ws);
        providers.stubFor(any(urlEqualTo("/ai/chat/completions")).willReturn(aResponse().withStatus(400)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"error\":{\"message\":\"bad request\",\"type\":\"invalid_request_error\"}}")));

        assertThatThrownBy(() -> jobs.bean(EmailInboundPostProcess.class)
                .handle(job(EmailInboundPostProcess.TYPE, messageId, ws, null)))
                .isInstanceOf(PermanentJobFailure.class).hasMessageContaining("sentiment");
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/ai/chat/completions")))).as("not retried").hasSize(1);
    }

    private List<String> slackPosts(String containing) {
        return providers.findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage"))).stream()
                .map(r -> r.getBodyAsString()).filter(b -> b.contains(containing)).toList();
    }

    private UUID connectedWorkspace() throws Exception {
        UUID ws = UUID.randomUUID();
        integrations.connect(ws, "emailbison", "{\"token\":\"eb-it\"}");
        integrations.connect(ws, "slack", "{\"token\":\"xoxb-it\",\"channel\":\"#replies\"}");
        return ws;
    }

    private void stubMessage(long messageId, UUID ws) {
        webhook.stubFor(get("/messages/" + messageId).willReturn(okJson("""
                {"id":%d,"workspaceId":"%s","leadId":7,"provider":"emailbison",
                 "externalId":"reply:%d@app.emailbison.com","channel":"email","direction":"inbound",
                 "eventType":"lead_replied","subject":"Re: pricing","body":"Sounds good",
                 "fromAddress":"jane@lead.example","toAddress":"sales@us.example","metadata":{},
                 "receivedAt":"2026-01-01T00:00:00Z"}""".formatted(messageId, ws, 91_000 + messageId))));
    }

    private JobContext job(String type, long messageId, UUID ws, String period) {
        JsonNode payload = jobs.json(period == null
                ? "{\"workspaceId\":\"%s\",\"messageId\":%d}".formatted(ws, messageId)
                : "{\"workspaceId\":\"%s\",\"kind\":\"daily-digest\",\"period\":\"%s\"}".formatted(ws, period));
        return new JobContext(messageId, type, ws, payload, 1, 5, Instant.now().plusSeconds(60));
    }
}
