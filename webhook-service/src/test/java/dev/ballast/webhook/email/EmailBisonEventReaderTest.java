package dev.ballast.webhook.email;

import dev.ballast.webhook.intake.InvalidPayloadException;
import dev.ballast.webhook.intake.MessageDraft.Direction;
import dev.ballast.webhook.intake.ParsedEvent;
import dev.ballast.webhook.intake.Payload;
import dev.ballast.webhook.testing.Deliveries;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmailBisonEventReaderTest {

    private static final JsonMapper JSON = JsonMapper.createDefault();
    private final EmailBisonEventReader reader = new EmailBisonEventReader();

    @ParameterizedTest
    @ValueSource(strings = {"LEAD_REPLIED", "lead_replied", "Lead_Replied", "LEAD_INTERESTED", "lead interested"})
    void replyEventsAreInboundMessagesKeyedByReplyIdWhateverTheCase(String type) throws Exception {
        ParsedEvent.Storable e = storable(Deliveries.reply(type, 1001, "jane@example.com", "Re: hi", "Yes"));
        assertThat(e.providerWorkspaceId()).isEqualTo("12");
        assertThat(e.message().externalId()).isEqualTo("reply:1001@app.emailbison.com");
        assertThat(e.message().direction()).isEqualTo(Direction.INBOUND);
        assertThat(e.message().sentAt()).isEqualTo(Instant.parse("2025-01-15T10:00:00Z"));
        assertThat(e.message().metadata()).containsEntry("interested", false).containsEntry("campaignId", "5")
                .containsEntry("senderEmailId", "3");
        assertThat(e.lead().key()).isEqualTo("email:jane@example.com");
        assertThat(e.lead().providerLeadId()).isEqualTo("77");
        assertThat(e.jobTypes()).containsExactly("email-inbound-post-process");
    }

    @Test
    void anUntrackedReplyWithoutALeadTakesTheLeadFromTheSender() throws Exception {
        ParsedEvent.Storable e = storable(Deliveries.untrackedReply(5, "Stranger@Elsewhere.example"));
        assertThat(e.eventType()).isEqualTo("untracked_reply_received");
        assertThat(e.lead().key()).isEqualTo("email:stranger@elsewhere.example");
        assertThat(e.lead().name()).isEqualTo("Stranger");
        assertThat(e.message().externalId()).isEqualTo("reply:5@send.inboxxia.example");
    }

    @Test
    void sentEmailsAreOutboundKeyedByScheduledEmailIdWhereInterestedIsAnObject() throws Exception {
        ParsedEvent.Storable e = storable(Deliveries.emailSent(444, "jane@example.com"));
        assertThat(e.message().externalId()).isEqualTo("scheduled_email:444@app.emailbison.com");
        assertThat(e.message().direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(e.message().toAddress()).isEqualTo("jane@example.com");
        assertThat(e.message().fromAddress()).isEqualTo("sales@ourco.example");
        assertThat(e.message().metadata()).doesNotContainKey("interested").containsEntry("sequenceStepId", "2");
        assertThat(e.jobTypes()).containsExactly("email-outbound-post-process");

        String interestedAsString = Deliveries.emailSent(445, "jane@example.com")
                .replace("\"interested\":{\"value\":false,\"updated_at\":null}", "\"interested\":\"maybe\"");
        assertThat(storable(interestedAsString).message().metadata()).doesNotContainKey("interested");
    }

    @Test
    void manualEmailsAreOutboundKeyedByTheirReplyId() throws Exception {
        ParsedEvent.Storable e = storable(Deliveries.manualEmailSent(900, "jane@example.com"));
        assertThat(e.message().externalId()).isEqualTo("reply:900@app.emailbison.com");
        assertThat(e.message().direction()).isEqualTo(Direction.OUTBOUND);
        assertThat(e.lead().key()).isEqualTo("email:jane@example.com");
    }

    @Test
    void optionalFieldsOfUnexpectedTypesNeverFailADelivery() throws Exception {
        String odd = Deliveries.reply(1, "jane@example.com")
                .replace("\"interested\":false", "\"interested\":{\"weird\":[1,2]}")
                .replace("\"date_received\":\"2025-01-15T10:00:00.000000Z\"", "\"date_received\":\"last tuesday\"")
                .replace("\"first_name\":\"Jane\"", "\"first_name\":42")
                .replace("\"campaign\":{\"id\":5,\"name\":\"Q1 outreach\"}", "\"campaign\":\"Q1\"");
        ParsedEvent.Storable e = storable(odd);
        assertThat(e.message().sentAt()).isNull();
        assertThat(e.message().metadata()).doesNotContainKeys("interested", "campaignId");
        assertThat(e.lead().name()).isEqualTo("42 Doe");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"workspace_id\":12|\"workspace_id\":12.5|/event/workspace_id",
            "\"workspace_id\":12|\"workspace_id\":true|/event/workspace_id",
            "\"workspace_id\":12,|\"foo\":1,|/event/workspace_id",
            "\"reply\":{\"id\":1|\"reply\":{\"id\":\"abc\"|/data/reply/id",
            "\"reply\":{\"id\":1|\"reply\":{\"id\":{}|/data/reply/id",
            "\"reply\":{\"id\":1,|\"reply\":{|/data/reply/id",
            "\"type\":\"LEAD_REPLIED\"|\"type\":7|/event/type",
    })
    void missingOrMistypedRequiredFieldsAreNamed(String from, String to, String pointer) {
        String body = Deliveries.reply(1, "jane@example.com").replace(from, to);
        assertThat(body).isNotEqualTo(Deliveries.reply(1, "jane@example.com"));
        assertThatThrownBy(() -> reader.read(payload(body), UUID.randomUUID()))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> assertThat(e.pointer()).isEqualTo(pointer));
    }

    @Test
    void aReplyThatIsNotAnObjectIsNamedAsSuch() {
        String body = "{\"event\":{\"type\":\"lead_replied\",\"workspace_id\":12},\"data\":{\"reply\":\"hi\"}}";
        assertThatThrownBy(() -> reader.read(payload(body), UUID.randomUUID()))
                .isInstanceOfSatisfying(InvalidPayloadException.class, e -> {
                    assertThat(e.pointer()).isEqualTo("/data/reply");
                    assertThat(e.getMessage()).contains("object");
                });
        String noLeadNoSender = "{\"event\":{\"type\":\"lead_replied\",\"workspace_id\":12},\"data\":{\"reply\":{\"id\":3}}}";
        assertThatThrownBy(() -> reader.read(payload(noLeadNoSender), UUID.randomUUID()))
                .isInstanceOfSatisfying(InvalidPayloadException.class,
                        e -> assertThat(e.pointer()).isEqualTo("/data/reply/from_email_address"));
    }

    @Test
    void otherEventsAreIgnoredAndUnknownOnesSaidToBeUnknown() throws Exception {
        assertThat(reader.read(payload(Deliveries.emailEvent("EMAIL_OPENED")), UUID.randomUUID()))
                .isEqualTo(new ParsedEvent.Ignored("12", "email_opened", true));
        assertThat(reader.read(payload(Deliveries.emailEvent("BRAND_NEW_THING")), UUID.randomUUID()))
                .isEqualTo(new ParsedEvent.Ignored("12", "brand_new_thing", false));
    }

    private ParsedEvent.Storable storable(String body) throws Exception {
        return (ParsedEvent.Storable) reader.read(payload(body), UUID.randomUUID());
    }

    static Payload payload(String body) throws IOException {
        return new Payload(JSON.readValue(body, JsonNode.class));
    }
}
