package dev.ballast.webhook.ghl;

import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GhlIntakeTest {

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
    void inboundMessagesAndWorkflowWebhooksOfOneContactShareTheLead() {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> inbound = service.post(ws.ghlPath(), Deliveries.ghlInbound("m-1", "contact-1", "Yes please"), ws.bearer());
        HttpResponse<String> workflow = service.post(ws.ghlPath(),
                Deliveries.ghlWorkflow("contact-1", "wf-1", "Call me", "{\"source\":\"ad\"}"), ws.bearer());
        assertThat(inbound.statusCode()).as(inbound.body()).isEqualTo(200);
        assertThat(workflow.statusCode()).as(workflow.body()).isEqualTo(200);
        assertThat(service.leads(ws.id())).isEqualTo(1);
        assertThat(service.query("SELECT lead_key, email, phone, name, provider_lead_id FROM webhook.leads WHERE workspace_id = ?",
                ws.id())).containsExactly(Map.of("lead_key", "ghl-contact:contact-1", "email", "sam@lee.example",
                "phone", "+15550001111", "name", "Sam Lee", "provider_lead_id", "contact-1"));
        assertThat(service.query("SELECT DISTINCT job_type FROM webhook.outbox WHERE workspace_id = ?", ws.id()))
                .containsExactly(Map.of("job_type", "sms-inbound-post-process"));
    }

    @Test
    void aWorkflowWebhookRedeliveredWithReorderedCustomDataAndOtherWhitespaceIsADuplicate() {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> first = service.post(ws.ghlPath(),
                Deliveries.ghlWorkflow("c-2", "wf-1", "Hello  there", "{\"a\":1,\"b\":\"x\"}"), ws.bearer());
        HttpResponse<String> again = service.post(ws.ghlPath(),
                Deliveries.ghlWorkflow("c-2", "wf-1", " Hello there\n", "{\"b\":\"x\",\"a\":1}"), ws.bearer());
        HttpResponse<String> different = service.post(ws.ghlPath(),
                Deliveries.ghlWorkflow("c-2", "wf-1", "Hello there", "{\"a\":2,\"b\":\"x\"}"), ws.bearer());
        assertThat(service.json(first).get("status").getStringValue()).isEqualTo("accepted");
        assertThat(service.json(again).get("status").getStringValue()).isEqualTo("duplicate");
        assertThat(service.json(different).get("status").getStringValue()).isEqualTo("accepted");
        assertThat(service.messages(ws.id())).isEqualTo(2);
        assertThat(service.outboxRows(ws.id())).isEqualTo(2);
    }

    @Test
    void otherGhlEventsAreIgnored() {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> r = service.post(ws.ghlPath(),
                "{\"type\":\"ContactCreate\",\"locationId\":\"" + Deliveries.GHL_LOCATION + "\",\"id\":\"c\"}", ws.bearer());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(service.json(r).get("status").getStringValue()).isEqualTo("ignored");
        assertThat(service.messages(ws.id())).isZero();
    }
}
