package dev.ballast.webhook.ghl;

import dev.ballast.webhook.intake.InvalidPayloadException;
import dev.ballast.webhook.intake.ParsedEvent;
import dev.ballast.webhook.intake.Payload;
import dev.ballast.webhook.testing.Deliveries;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GhlEventReaderTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();
    private final GhlEventReader reader = new GhlEventReader();
    private final UUID workspace = UUID.randomUUID();

    @Test
    void anInboundMessageIsKeyedByItsMessageIdAndItsLeadIsTheContact() throws Exception {
        ParsedEvent.Storable e = storable(Deliveries.ghlInbound("msg-1", "contact-9", "hello"), workspace);
        assertThat(e.providerWorkspaceId()).isEqualTo(Deliveries.GHL_LOCATION);
        assertThat(e.message().externalId()).isEqualTo("message:msg-1");
        assertThat(e.message().channel()).isEqualTo("sms");
        assertThat(e.message().body()).isEqualTo("hello");
        assertThat(e.lead().key()).isEqualTo("ghl-contact:contact-9");
        // jobs-service answers the SMS to this contact
        assertThat(e.message().metadata()).containsEntry("contactId", "contact-9");
        assertThat(e.jobTypes()).containsExactly("sms-inbound-post-process");
        assertThat(storable(Deliveries.ghlInbound("msg-1", "c", "x").replace("InboundMessage", "inboundmessage"),
                workspace).eventType()).isEqualTo("inboundmessage");
    }

    @Test
    void aWorkflowWebhookKeyIgnoresKeyOrderAndWhitespaceButNothingElse() throws Exception {
        String key = key(Deliveries.ghlWorkflow("c1", "wf1", "Hi  there\n", "{\"a\":1,\"b\":[true,null]}"), workspace);
        assertThat(key).startsWith("workflow:").hasSize("workflow:".length() + 64);
        assertThat(key(Deliveries.ghlWorkflow("c1", "wf1", " Hi there", "{\"b\":[true,null],\"a\":1}"), workspace))
                .isEqualTo(key);
        assertThat(key(Deliveries.ghlWorkflow("c1", "wf1", "Hi there!", "{\"a\":1,\"b\":[true,null]}"), workspace)).isNotEqualTo(key);
        assertThat(key(Deliveries.ghlWorkflow("c2", "wf1", "Hi there", "{\"a\":1,\"b\":[true,null]}"), workspace)).isNotEqualTo(key);
        assertThat(key(Deliveries.ghlWorkflow("c1", "wf2", "Hi there", "{\"a\":1,\"b\":[true,null]}"), workspace)).isNotEqualTo(key);
        assertThat(key(Deliveries.ghlWorkflow("c1", "wf1", "Hi there", "{\"a\":2,\"b\":[true,null]}"), workspace)).isNotEqualTo(key);
        assertThat(key(Deliveries.ghlWorkflow("c1", "wf1", "Hi there", "{\"a\":1,\"b\":[true,null]}")
                .replace("2025-01-10T08:00:00.000Z", "2025-01-11T08:00:00.000Z"), workspace)).isNotEqualTo(key);
        assertThat(key(Deliveries.ghlWorkflow("c1", "wf1", "Hi there", "{\"a\":1,\"b\":[true,null]}"), UUID.randomUUID()))
                .isNotEqualTo(key);
    }

    @Test
    void aWorkflowWebhookNamesItsMissingFields() {
        String noLocation = Deliveries.ghlWorkflow("c1", "wf1", "hi", "{}").replace("\"id\":\"" + Deliveries.GHL_LOCATION + "\"", "\"x\":1");
        assertThatThrownBy(() -> reader.read(payload(noLocation), workspace))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e.pointer()).isEqualTo("/location/id"));
        String numericBody = Deliveries.ghlWorkflow("c1", "wf1", "hi", "{}").replace("\"body\":\"hi\"", "\"body\":5");
        assertThatThrownBy(() -> reader.read(payload(numericBody), workspace))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e.pointer()).isEqualTo("/message/body"));
        assertThatThrownBy(() -> reader.read(payload("{\"hello\":1}"), workspace))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e.pointer()).isEqualTo("/type"));
        String noMessageId = Deliveries.ghlInbound("m", "c", "b").replace("\"messageId\":\"m\"", "\"messageId\":null");
        assertThatThrownBy(() -> reader.read(payload(noMessageId), workspace))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e.pointer()).isEqualTo("/messageId"));
    }

    @Test
    void otherTypedEventsAreIgnored() throws Exception {
        assertThat(reader.read(payload("{\"type\":\"ContactCreate\",\"locationId\":\"L\"}"), workspace))
                .isEqualTo(new ParsedEvent.Ignored("L", "contactcreate", true));
        assertThat(reader.read(payload("{\"type\":\"Whatever\",\"locationId\":\"L\"}"), workspace))
                .isEqualTo(new ParsedEvent.Ignored("L", "whatever", false));
    }

    private String key(String body, UUID ws) throws Exception {
        return storable(body, ws).message().externalId();
    }

    private ParsedEvent.Storable storable(String body, UUID ws) throws Exception {
        return (ParsedEvent.Storable) reader.read(payload(body), ws);
    }

    private static Payload payload(String body) throws IOException {
        return new Payload(JSON.readValue(body, JsonNode.class));
    }
}
