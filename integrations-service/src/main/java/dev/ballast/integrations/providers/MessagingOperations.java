package dev.ballast.integrations.providers;

import dev.ballast.integrations.api.IntegrationsOperations.EmailReplyRequest;
import dev.ballast.integrations.api.IntegrationsOperations.LinkedInMessageRequest;
import dev.ballast.integrations.api.IntegrationsOperations.SendReceipt;
import dev.ballast.integrations.api.IntegrationsOperations.SmsRequest;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.multipart.MultipartBody;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.util.List;

/** EmailBison, GHL and Unipile operations: the contract's requests in each provider's own shape, and back. */
@Singleton
public final class MessagingOperations {

    private final EmailBisonClient emailBison;
    private final GhlClient ghl;
    private final UnipileClient unipile;

    MessagingOperations(EmailBisonClient emailBison, GhlClient ghl, UnipileClient unipile) {
        this.emailBison = emailBison;
        this.ghl = ghl;
        this.unipile = unipile;
    }

    /** EmailBison's lead record ({@code data}), the enrichment jobs-service annotates the message with. */
    public JsonNode enrichment(String email) {
        JsonNode answer = emailBison.lead(email);
        JsonNode data = answer == null ? null : answer.get("data");
        return data != null ? data : answer == null ? JsonNode.createObjectNode(java.util.Map.of()) : answer;
    }

    public JsonNode sentEmails(String email) {
        return emailBison.sentEmails(email);
    }

    public SendReceipt emailReply(EmailReplyRequest r) {
        List<EmailBisonClient.Recipient> to = r.toEmails().stream().map(e -> new EmailBisonClient.Recipient(null, e)).toList();
        JsonNode answer = emailBison.reply(r.replyId(), new EmailBisonClient.Reply(r.body(), to, r.subject(), false));
        return new SendReceipt(Provider.EMAILBISON.id(), text(answer, "data", "reply", "id"));
    }

    public SendReceipt sms(SmsRequest r) {
        JsonNode answer = ghl.sendMessage(new GhlClient.Message("SMS", r.contactId(), r.message()));
        return new SendReceipt(Provider.GHL.id(), text(answer, "messageId"));
    }

    public SendReceipt linkedInMessage(LinkedInMessageRequest r) {
        JsonNode answer;
        if (r.chatId() != null && !r.chatId().isBlank()) {
            answer = unipile.sendInChat(r.chatId(), MultipartBody.builder().addPart("text", r.text()).build());
        } else {
            MultipartBody.Builder body = MultipartBody.builder()
                    .addPart("account_id", r.accountId())
                    .addPart("attendees_ids", r.attendeeId() == null ? "" : r.attendeeId())
                    .addPart("text", r.text());
            if (r.inmail()) {
                body.addPart("linkedin[api]", "classic").addPart("linkedin[inmail]", "true");
            }
            answer = unipile.startChat(body.build());
        }
        return new SendReceipt(Provider.UNIPILE.id(), text(answer, "message_id"));
    }

    public void checkEmailBison() {
        emailBison.me();
    }

    public void checkGhl(@Nullable String locationId) {
        ghl.location(locationId == null || locationId.isBlank() ? "-" : locationId);
    }

    /** A Unipile account whose source needs new credentials is as disconnected as one answering 401. */
    public void checkUnipile(@Nullable String accountId) {
        JsonNode account = unipile.account(accountId == null || accountId.isBlank() ? "-" : accountId);
        JsonNode sources = account == null ? null : account.get("sources");
        if (sources != null && sources.isArray()) {
            for (JsonNode source : sources.values()) {
                JsonNode status = source.get("status");
                if (status != null && status.isString() && !"OK".equals(status.getStringValue())
                        && !"CONNECTING".equals(status.getStringValue())) {
                    throw new ProviderRefusal(ProviderRefusal.Kind.DISCONNECTED,
                            "account_status_" + status.getStringValue().toLowerCase(java.util.Locale.ROOT));
                }
            }
        }
    }

    private static @Nullable String text(@Nullable JsonNode node, String... path) {
        JsonNode n = node;
        for (String p : path) {
            n = n == null ? null : n.get(p);
        }
        if (n == null) {
            return null;
        }
        return n.isString() ? n.getStringValue() : n.isNumber() ? n.getNumberValue().toString() : null;
    }
}
