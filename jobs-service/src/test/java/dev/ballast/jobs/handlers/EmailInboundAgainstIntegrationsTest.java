package dev.ballast.jobs.handlers;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import dev.ballast.testsupport.JvmProcess;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * email-inbound-post-process against the real integrations-service (its built jar in a JVM of its own, on a database
 * of its own): WireMock stands in only for webhook-service and, at the provider edge, for the AI API, EmailBison and
 * Slack. A second run of the same job is answered from integrations-service's stored answers.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmailInboundAgainstIntegrationsTest {

    private static final String SERVICE_TOKEN = "it-integrations-token";
    private static final String ADMIN_TOKEN = "it-admin-token";
    private static final List<String> KINDS = List.of("sentiment", "ai-draft", "enrichment", "auto-send", "slack-notice");

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private WireMockServer webhook;
    private WireMockServer providers;
    private TestDatabase integrationsDb;
    private JvmProcess integrations;
    private String integrationsUrl;
    private JobsServiceUnderTest jobs;

    @BeforeAll
    void start() throws Exception {
        webhook = new WireMockServer(options().dynamicPort());
        providers = new WireMockServer(options().dynamicPort());
        webhook.start();
        providers.start();
        integrationsDb = TestPostgres.freshDatabase();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        integrationsUrl = "http://localhost:" + port;
        Map<String, String> props = new LinkedHashMap<>(integrationsDb.datasourceProperties());
        props.put("micronaut.server.port", Integer.toString(port));
        props.put("ballast.integrations.service-token", SERVICE_TOKEN);
        props.put("ballast.integrations.admin-token", ADMIN_TOKEN);
        props.put("ballast.integrations.credentials.secret-key", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=");
        props.put("ballast.integrations.ai.api-key", "sk-it");
        for (String p : List.of("ai", "emailbison", "ghl", "slack", "unipile")) {
            props.put("micronaut.http.services." + p + ".url", providers.baseUrl() + "/" + p);
        }
        String jar = System.getProperty("ballast.integrations-service.jar");
        assertThat(jar).as("integrations-service jar (the reactor packages it first)").isNotNull();
        Path log = Files.createTempFile("integrations-service-", ".log");
        integrations = JvmProcess.startJar(Path.of(jar), props, log);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(integrations.alive()).as("integrations-service running, see " + log).isTrue();
            return status("GET", "/health/readiness", null) == 200;
        });

        Map<String, Object> jobProps = new LinkedHashMap<>();
        jobProps.put("micronaut.http.services.webhook.url", webhook.baseUrl());
        jobProps.put("micronaut.http.services.integrations.url", integrationsUrl);
        jobProps.put("ballast.jobs.handlers.integrations-service-token", SERVICE_TOKEN);
        jobProps.put("ballast.jobs.handlers.auto-send.workspaces", "*");
        jobs = JobsServiceUnderTest.start(jobProps);
    }

    @AfterAll
    void stop() {
        if (jobs != null) {
            jobs.close();
        }
        if (integrations != null) {
            integrations.stop();
        }
        integrationsDb.close();
        webhook.stop();
        providers.stop();
    }

    @Test
    void aReplyGetsAllFiveAnnotationsThroughTheRealIntegrationsService() throws Exception {
        UUID ws = UUID.randomUUID();
        long messageId = 4242;
        connect(ws, "emailbison", "{\"token\":\"eb-it\"}");
        connect(ws, "slack", "{\"token\":\"xoxb-it\",\"channel\":\"#replies\"}");
        providers.stubFor(any(urlEqualTo("/ai/chat/completions")).willReturn(okJson("""
                {"id":"c1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant",
                 "content":"{\\"label\\":\\"interested\\",\\"score\\":0.91,\\"subject\\":\\"Re: pricing\\",\\"body\\":\\"Tuesday works.\\",\\"confidence\\":0.88}"},
                 "finish_reason":"stop"}]}""")));
        providers.stubFor(any(urlPathMatching("/emailbison/api/leads/.*")).willReturn(okJson(
                "{\"data\":{\"email\":\"jane@lead.example\",\"company\":\"Acme\",\"title\":\"CTO\"}}")));
        providers.stubFor(any(urlEqualTo("/slack/chat.postMessage")).willReturn(okJson(
                "{\"ok\":true,\"channel\":\"C0REPLIES\",\"ts\":\"1700000000.000200\"}")));
        webhook.stubFor(get("/messages/" + messageId).willReturn(okJson("""
                {"id":%d,"workspaceId":"%s","leadId":7,"provider":"emailbison","externalId":"ext-1","channel":"email",
                 "direction":"inbound","eventType":"LEAD_REPLIED","subject":"Re: pricing","body":"Sounds good",
                 "fromAddress":"jane@lead.example","toAddress":"sales@us.example","metadata":{},
                 "receivedAt":"2026-01-01T00:00:00Z"}""".formatted(messageId, ws))));
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
        assertThat(written.get("slack-notice").get("channel").getStringValue()).isEqualTo("C0REPLIES");
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/ai/chat/completions")))).hasSize(2);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage")))).hasSize(1);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage"))).getFirst()
                .getHeader("Authorization")).isEqualTo("Bearer xoxb-it");

        // the same job again, as a retry after a lost annotation write would run it: no provider is asked twice
        webhook.resetRequests();
        assertThat(handler.handle(job(messageId, ws))).isInstanceOf(JobOutcome.Succeeded.class);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/ai/chat/completions")))).hasSize(2);
        assertThat(providers.findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage")))).hasSize(1);
        assertThat(providers.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathMatching("/emailbison/api/leads/.*")))).hasSize(1);
    }

    private JobContext job(long messageId, UUID workspace) {
        JsonNode payload = jobs.json("""
                {"workspaceId":"%s","leadId":7,"provider":"emailbison","channel":"email","direction":"inbound",
                 "messageId":%d}""".formatted(workspace, messageId));
        return new JobContext(messageId, EmailInboundPostProcess.TYPE, workspace, payload, 1, 5,
                Instant.now().plusSeconds(60));
    }

    private void connect(UUID ws, String provider, String body) throws Exception {
        assertThat(status("PUT", "/admin/workspaces/" + ws + "/integrations/" + provider, body)).isEqualTo(200);
    }

    private int status(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(integrationsUrl + path)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            if (body == null) {
                return -1;
            }
            throw e;
        }
    }
}
