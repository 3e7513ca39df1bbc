package dev.ballast.insights.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * WireMock standing in for webhook-service (every lead has two messages) and integrations-service (the LLM operations
 * answer after a configurable delay), answering as their contracts declare.
 */
public final class StandIns implements AutoCloseable {

    public static final String LEAD_INSIGHT = "/ai/lead-insight";
    public static final String PACK_SYNTHESIS = "/ai/pack-synthesis";

    private final WireMockServer webhook = new WireMockServer(options().dynamicPort().containerThreads(64));
    private final WireMockServer integrations = new WireMockServer(options().dynamicPort().containerThreads(64)
            .asynchronousResponseEnabled(true).asynchronousResponseThreads(32));

    public StandIns() {
        webhook.start();
        integrations.start();
        reset(0);
    }

    /** Back to a healthy provider whose LLM calls take {@code llmDelayMs}; forgets the requests seen. */
    public void reset(int llmDelayMs) {
        webhook.resetAll();
        integrations.resetAll();
        webhook.stubFor(get(urlPathMatching("/leads/\\d+/messages")).willReturn(okJson("""
                {"items":[
                  {"id":1,"workspaceId":"00000000-0000-0000-0000-000000000001","leadId":1,"provider":"emailbison",
                   "externalId":"e1","channel":"email","direction":"outbound","eventType":"sent","subject":"Hello",
                   "body":"Can we talk?","metadata":{},"receivedAt":"2026-01-01T00:00:00Z"},
                  {"id":2,"workspaceId":"00000000-0000-0000-0000-000000000001","leadId":1,"provider":"emailbison",
                   "externalId":"e2","channel":"email","direction":"inbound","eventType":"reply","subject":"Re: Hello",
                   "body":"Yes, Tuesday works.","metadata":{},"receivedAt":"2026-01-02T00:00:00Z"}]}""")));
        integrations.stubFor(post(LEAD_INSIGHT).willReturn(okJson("{\"insight\":\"interested, wants Tuesday\"}")
                .withFixedDelay(llmDelayMs)));
        webhook.stubFor(get(urlPathEqualTo("/leads/booked")).willReturn(okJson("{\"items\":[]}")));
        integrations.stubFor(post(PACK_SYNTHESIS).willReturn(okJson("{\"synthesis\":\"most leads are interested\"}")
                .withFixedDelay(llmDelayMs)));
    }

    /** The LLM refuses the insight of one lead's first {@code times} calls with {@code status} (a problem answer). */
    public void failInsightFor(long leadId, int status) {
        integrations.stubFor(post(LEAD_INSIGHT).withRequestBody(
                        com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.leadId",
                                com.github.tomakehurst.wiremock.client.WireMock.equalTo(Long.toString(leadId))))
                .atPriority(1)
                .willReturn(aResponse().withStatus(status).withHeader("Content-Type", "application/problem+json")
                        .withBody("{\"type\":\"about:blank\",\"title\":\"refused\",\"status\":" + status
                                + ",\"outcome\":\"failed\",\"retryable\":false,\"provider\":\"ai\"}")));
    }

    /** webhook-service lists these booked leads ({@code workspaceId/leadId/activityAt}), on one page. */
    public void bookedLeads(java.util.UUID workspace, Map<Long, String> activityByLead) {
        String items = activityByLead.entrySet().stream().map(e -> "{\"leadId\":" + e.getKey() + ",\"workspaceId\":\""
                + workspace + "\",\"bookedAt\":\"2026-01-01T00:00:00Z\",\"activityAt\":\"" + e.getValue() + "\"}")
                .collect(Collectors.joining(","));
        webhook.stubFor(get(urlPathEqualTo("/leads/booked")).willReturn(okJson("{\"items\":[" + items + "]}")));
    }

    /** Requests for the booked leads' page. */
    public List<LoggedRequest> bookedLeadReads() {
        return webhook.findAll(com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor(
                urlPathEqualTo("/leads/booked")));
    }

    public String webhookUrl() {
        return webhook.baseUrl();
    }

    public String integrationsUrl() {
        return integrations.baseUrl();
    }

    public int llmCalls() {
        return insightCalls().size() + integrations.findAll(postRequestedFor(urlEqualTo(PACK_SYNTHESIS))).size();
    }

    public List<LoggedRequest> insightCalls() {
        return integrations.findAll(postRequestedFor(urlEqualTo(LEAD_INSIGHT)));
    }

    public List<LoggedRequest> synthesisCalls() {
        return integrations.findAll(postRequestedFor(urlEqualTo(PACK_SYNTHESIS)));
    }

    /** Insight calls per Idempotency-Key. */
    public Map<String, Long> insightCallsByKey() {
        return insightCalls().stream().collect(Collectors.groupingBy(r -> r.getHeader("Idempotency-Key"),
                Collectors.counting()));
    }

    /** LLM requests received but not answered yet (WireMock counts a request when it arrives). */
    public int llmRequestsSeen() {
        return llmCalls();
    }

    @Override
    public void close() {
        webhook.stop();
        integrations.stop();
    }
}
