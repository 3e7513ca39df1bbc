package dev.ballast.jobs.handlers;

import dev.ballast.integrations.api.IntegrationsOperations.SendReceipt;
import dev.ballast.integrations.api.IntegrationsOperations.SmsRequest;
import dev.ballast.webhook.api.WebhookOperations.MessageView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.util.Optional;

/**
 * {@code sms-inbound-post-process}: a lead's SMS from GHL (see {@link InboundPostProcess}); the draft is sized for
 * SMS and an auto-sent answer goes out as an SMS to the lead's GHL contact.
 */
@Singleton
public final class SmsInboundPostProcess extends InboundPostProcess {

    public static final String TYPE = "sms-inbound-post-process";

    private final SmsInboundSettings settings;

    SmsInboundPostProcess(WebhookClient webhook, IntegrationsClient integrations, SmsInboundSettings settings,
                          AutoSendSettings autoSend, JsonMapper json) {
        super(webhook, integrations, autoSend, json);
        this.settings = settings;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    String channel() {
        return "sms";
    }

    @Override
    @Nullable Integer draftMaxChars() {
        return settings.draftMaxChars();
    }

    @Override
    boolean slackEnabled() {
        return settings.slackEnabled();
    }

    @Override
    @Nullable JsonNode enrich(AnnotatedSteps steps, MessageView m, String key) {
        return null;
    }

    @Override
    Optional<String> unanswerable(MessageView m) {
        return contactId(m).isEmpty() ? Optional.of("no_ghl_contact_id") : Optional.empty();
    }

    @Override
    @Nullable SendReceipt send(MessageView m, JsonNode draft, String key) {
        return integrations.sms(key, m.workspaceId().toString(),
                new SmsRequest(m.workspaceId(), m.id(), contactId(m).orElseThrow(), string(draft, "body")));
    }

    // webhook-service keeps GHL's contactId in the message's metadata.
    private static Optional<String> contactId(MessageView m) {
        return Optional.ofNullable(string(m.metadata(), "contactId")).filter(s -> !s.isBlank());
    }
}
