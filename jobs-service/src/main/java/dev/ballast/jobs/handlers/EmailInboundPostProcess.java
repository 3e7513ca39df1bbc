package dev.ballast.jobs.handlers;

import dev.ballast.integrations.api.IntegrationsOperations.EmailReplyRequest;
import dev.ballast.integrations.api.IntegrationsOperations.EnrichmentRequest;
import dev.ballast.integrations.api.IntegrationsOperations.SendReceipt;
import dev.ballast.webhook.api.WebhookOperations.MessageView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code email-inbound-post-process}: a lead's email reply (see {@link InboundPostProcess}); the sender is enriched
 * through EmailBison and an auto-sent answer goes out as a reply in the lead's EmailBison thread.
 */
@Singleton
public final class EmailInboundPostProcess extends InboundPostProcess {

    public static final String TYPE = "email-inbound-post-process";

    // webhook-service stores an EmailBison reply as reply:<reply id>@<instance>.
    private static final Pattern REPLY_ID = Pattern.compile("^reply:(\\d+)@");

    private final EmailInboundSettings settings;

    EmailInboundPostProcess(WebhookClient webhook, IntegrationsClient integrations, EmailInboundSettings settings,
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
        return "email";
    }

    @Override
    @Nullable Integer draftMaxChars() {
        return null;
    }

    @Override
    boolean slackEnabled() {
        return settings.slackEnabled();
    }

    @Override
    @Nullable JsonNode enrich(AnnotatedSteps steps, MessageView m, String key) {
        if (!settings.enrichmentEnabled()) {
            return null;
        }
        if (m.fromAddress() == null || m.fromAddress().isBlank()) {
            return steps.record(ENRICHMENT, () -> object(Map.of("status", text("skipped"),
                    "reason", text("no sender address"))));
        }
        return steps.optional(ENRICHMENT, () -> integrations.enrichment(key, m.workspaceId().toString(),
                new EnrichmentRequest(m.workspaceId(), m.leadId(), m.fromAddress())), answer -> answer);
    }

    @Override
    Optional<String> unanswerable(MessageView m) {
        if (m.fromAddress() == null || m.fromAddress().isBlank()) {
            return Optional.of("no_sender_address");
        }
        return replyId(m).isEmpty() ? Optional.of("no_provider_reply_id") : Optional.empty();
    }

    @Override
    @Nullable SendReceipt send(MessageView m, JsonNode draft, String key) {
        String subject = string(draft, "subject");
        if (subject == null && m.subject() != null) {
            subject = m.subject().regionMatches(true, 0, "re:", 0, 3) ? m.subject() : "Re: " + m.subject();
        }
        return integrations.emailReply(key, m.workspaceId().toString(), new EmailReplyRequest(m.workspaceId(), m.id(),
                replyId(m).orElseThrow(), List.of(m.fromAddress()), subject, string(draft, "body")));
    }

    private static Optional<String> replyId(MessageView m) {
        Matcher r = REPLY_ID.matcher(m.externalId() == null ? "" : m.externalId());
        return r.find() ? Optional.of(r.group(1)) : Optional.empty();
    }
}
