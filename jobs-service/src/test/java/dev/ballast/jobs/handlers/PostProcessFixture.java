package dev.ballast.jobs.handlers;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import io.micronaut.json.tree.JsonNode;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.put;
import static com.github.tomakehurst.wiremock.client.WireMock.putRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * jobs-service with its handlers, and WireMock standing in for webhook-service and integrations-service, for tests
 * that call a handler directly with a JobContext: request counts prove which steps ran.
 */
final class PostProcessFixture implements AutoCloseable {

    static final String WEBHOOK_TOKEN = "test-webhook-token";
    static final String INTEGRATIONS_TOKEN = "test-integrations-token";
    static final UUID AUTO_SEND_WORKSPACE = UUID.randomUUID();

    final WireMockServer webhook = new WireMockServer(options().dynamicPort());
    final WireMockServer integrations = new WireMockServer(options().dynamicPort());
    final JobsServiceUnderTest service;

    PostProcessFixture() {
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
        props.put("ballast.service-tokens.webhook", WEBHOOK_TOKEN);
        props.put("ballast.service-tokens.integrations", INTEGRATIONS_TOKEN);
        props.put("ballast.jobs.handlers.auto-send.workspaces", AUTO_SEND_WORKSPACE.toString());
        props.put("ballast.jobs.handlers.auto-send.min-confidence", "0.8");
        props.put("ballast.jobs.workers.enabled", "false");
        props.put("ballast.jobs.periodic.enabled", "false");
        service = JobsServiceUnderTest.start(props);
    }

    /** Annotation writes succeed and a lead has no other message, until a test says otherwise. */
    void reset() {
        webhook.resetAll();
        integrations.resetAll();
        webhook.stubFor(put(urlPathMatching("/messages/\\d+/annotations/[a-z-]+")).willReturn(okJson("""
                {"kind":"k","value":{},"updatedAt":"2025-01-01T00:00:00Z"}""")));
        webhook.stubFor(put(urlPathMatching("/messages/\\d+/annotations")).willReturn(okJson("""
                {"messageId":1,"updatedAt":{}}""")));
        webhook.stubFor(get(urlPathMatching("/leads/\\d+/messages")).atPriority(10)
                .willReturn(okJson("{\"items\":[]}")));
    }

    JobContext job(String type, long messageId, UUID workspace) {
        JsonNode payload = service.json("""
                {"workspaceId":"%s","leadId":7,"messageId":%d}""".formatted(workspace, messageId));
        return new JobContext(messageId, type, workspace, payload, 1, 5, Instant.now().plusSeconds(30));
    }

    /** A stored message as webhook-service answers it; {@code fields} override the defaults of an email reply. */
    Map<String, Object> message(long id, UUID workspace, Map<String, Object> fields) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", id);
        m.put("workspaceId", workspace.toString());
        m.put("leadId", 7);
        m.put("provider", "emailbison");
        m.put("externalId", "reply:" + (90_000 + id) + "@app.emailbison.com");
        m.put("channel", "email");
        m.put("direction", "inbound");
        m.put("eventType", "lead_replied");
        m.put("subject", "Re: pricing");
        m.put("body", "Sounds good, let's talk.");
        m.put("fromAddress", "jane@lead.example");
        m.put("toAddress", "sales@us.example");
        m.put("metadata", Map.of());
        m.put("receivedAt", "2025-01-01T10:00:00Z");
        m.putAll(fields);
        return m;
    }

    /** webhook-service answers GET /messages/{id} with {@code message}, holding {@code annotations} by kind. */
    void stubMessage(Map<String, Object> message, Map<String, JsonNode> annotations) {
        Map<String, Object> m = new LinkedHashMap<>(message);
        if (!annotations.isEmpty()) {
            Map<String, Object> byKind = new LinkedHashMap<>();
            annotations.forEach((kind, value) -> byKind.put(kind, Map.of("kind", kind, "value", value,
                    "updatedAt", "2025-01-01T00:00:00Z")));
            m.put("annotations", byKind);
        }
        webhook.stubFor(get("/messages/" + m.get("id")).willReturn(okJson(service.jsonString(m))));
    }

    /** webhook-service answers the lead's message list with {@code messages} (one page). */
    void stubLead(long leadId, List<Map<String, Object>> messages) {
        List<Object> items = new ArrayList<>(messages);
        webhook.stubFor(get(urlPathEqualTo("/leads/" + leadId + "/messages"))
                .willReturn(okJson(service.jsonString(Map.of("items", items)))));
    }

    /** The annotation values PUT for a message, by kind, in the order they were written. */
    Map<String, JsonNode> annotationsWritten(long id) {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        annotationCalls(id).forEach(out::putAll);
        return out;
    }

    /** Each call that wrote annotations of a message, in order: the kinds it wrote with their values. */
    List<Map<String, JsonNode>> annotationCalls(long id) {
        List<Map<String, JsonNode>> calls = new ArrayList<>();
        webhook.findAll(putRequestedFor(urlPathMatching("/messages/" + id + "/annotations(/.*)?"))).forEach(r -> {
            Map<String, JsonNode> call = new LinkedHashMap<>();
            if (r.getUrl().endsWith("/annotations")) {
                service.json(r.getBodyAsString()).entries().forEach(e -> call.put(e.getKey(), e.getValue()));
            } else {
                call.put(r.getUrl().substring(r.getUrl().lastIndexOf('/') + 1), service.json(r.getBodyAsString()));
            }
            calls.add(call);
        });
        return calls;
    }

    @Override
    public void close() {
        service.close();
        webhook.stop();
        integrations.stop();
    }
}
