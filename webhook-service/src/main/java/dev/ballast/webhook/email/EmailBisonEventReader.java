package dev.ballast.webhook.email;

import dev.ballast.webhook.intake.InvalidPayloadException;
import dev.ballast.webhook.intake.LeadDraft;
import dev.ballast.webhook.intake.MessageDraft;
import dev.ballast.webhook.intake.MessageDraft.Direction;
import dev.ballast.webhook.intake.ParsedEvent;
import dev.ballast.webhook.intake.Payload;
import dev.ballast.webhook.intake.Provider;
import dev.ballast.webhook.intake.ProviderEventReader;
import dev.ballast.webhook.outbox.JobTypes;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * EmailBison (and Inboxxia, an EmailBison instance) webhooks: {@code {"event":{"type",...,"workspace_id"},
 * "data":{...}}}. Replies are stored inbound, sent emails outbound; other events are answered and logged only.
 *
 * <p>External ids are namespaced by kind and instance host ({@code reply:55@app.emailbison.com},
 * {@code scheduled_email:55@...}) because replies and scheduled emails are numbered separately, and two
 * instances number independently.
 */
@Singleton
public final class EmailBisonEventReader implements ProviderEventReader {

    static final Set<String> INBOUND_REPLIES = Set.of("lead_replied", "lead_interested", "untracked_reply_received");
    static final String EMAIL_SENT = "email_sent";
    static final String MANUAL_EMAIL_SENT = "manual_email_sent";
    /** Events EmailBison sends that need no message stored here. */
    static final Set<String> KNOWN_IGNORED = Set.of("email_opened", "email_bounced", "email_link_clicked",
            "lead_unsubscribed", "lead_first_contacted", "email_account_added", "email_account_removed",
            "email_account_disconnected", "email_account_reconnected", "tag_attached", "tag_removed",
            "warmup_disabled_receiving_bounces", "warmup_disabled_causing_bounces");
    private static final int MAX_EVENT_TYPE_LENGTH = 100;
    private static final Pattern SEPARATORS = Pattern.compile("[\\s.\\-]+");
    /** The last instance URL and its host: one sender sends the same URL on every delivery, URI parsing is not free. */
    private static volatile InstanceHost lastInstance = new InstanceHost("", "emailbison");

    @Override
    public Provider provider() {
        return Provider.EMAILBISON;
    }

    @Override
    public ParsedEvent read(Payload p, UUID workspaceId) throws InvalidPayloadException {
        p.requiredObject("/event");
        String type = normaliseType(p.requiredText("/event/type"));
        String providerWorkspaceId = p.requiredId("/event/workspace_id");
        String instance = instanceHost(p.optionalNonBlank("/event/instance_url"));
        if (INBOUND_REPLIES.contains(type)) {
            return inboundReply(p, type, providerWorkspaceId, instance);
        }
        if (type.equals(EMAIL_SENT)) {
            return scheduledEmailSent(p, providerWorkspaceId, instance);
        }
        if (type.equals(MANUAL_EMAIL_SENT)) {
            return manualEmailSent(p, providerWorkspaceId, instance);
        }
        return new ParsedEvent.Ignored(providerWorkspaceId, type, KNOWN_IGNORED.contains(type));
    }

    private ParsedEvent inboundReply(Payload p, String type, String providerWorkspaceId, String instance)
            throws InvalidPayloadException {
        p.requiredObject("/data");
        String replyId = p.requiredId("/data/reply/id");
        String from = p.optionalNonBlank("/data/reply/from_email_address");
        String email = leadEmail(p);
        if (email == null) {
            // Untracked replies come from someone who is not (yet) a lead of any campaign.
            email = requiredEmail(p, "/data/reply/from_email_address");
        }
        String name = firstNonNull(leadName(p), p.optionalNonBlank("/data/reply/from_name"));
        MessageDraft message = new MessageDraft("reply:" + replyId + "@" + instance, "email", Direction.INBOUND,
                p.optionalText("/data/reply/email_subject"), body(p, "/data/reply"), from,
                p.optionalNonBlank("/data/reply/primary_to_email_address"),
                firstNonNull(p.optionalInstant("/data/reply/date_received"), p.optionalInstant("/data/reply/created_at")),
                metadata(p, instance, "/data/reply"));
        return new ParsedEvent.Storable(providerWorkspaceId, type,
                LeadDraft.byEmail(email, name, p.optionalId("/data/lead/id")), message,
                List.of(JobTypes.EMAIL_INBOUND_POST_PROCESS));
    }

    private ParsedEvent scheduledEmailSent(Payload p, String providerWorkspaceId, String instance)
            throws InvalidPayloadException {
        p.requiredObject("/data");
        String id = p.requiredId("/data/scheduled_email/id");
        String email = requiredEmail(p, "/data/lead/email");
        Map<String, Object> metadata = metadata(p, instance, "/data/scheduled_email");
        putIfPresent(metadata, "sequenceStepId", p.optionalId("/data/scheduled_email/sequence_step_id"));
        MessageDraft message = new MessageDraft("scheduled_email:" + id + "@" + instance, "email", Direction.OUTBOUND,
                p.optionalText("/data/scheduled_email/email_subject"), p.optionalText("/data/scheduled_email/email_body"),
                p.optionalNonBlank("/data/sender_email/email"), email,
                p.optionalInstant("/data/scheduled_email/sent_at"), metadata);
        return new ParsedEvent.Storable(providerWorkspaceId, EMAIL_SENT,
                LeadDraft.byEmail(email, leadName(p), p.optionalId("/data/lead/id")), message,
                List.of(JobTypes.EMAIL_OUTBOUND_POST_PROCESS));
    }

    private ParsedEvent manualEmailSent(Payload p, String providerWorkspaceId, String instance)
            throws InvalidPayloadException {
        p.requiredObject("/data");
        String replyId = p.requiredId("/data/reply/id");
        String email = leadEmail(p);
        if (email == null) {
            email = p.optionalNonBlank("/data/reply/primary_to_email_address");
            if (email == null || !looksLikeEmail(email)) {
                email = requiredEmail(p, "/data/lead/email");
            }
        }
        MessageDraft message = new MessageDraft("reply:" + replyId + "@" + instance, "email", Direction.OUTBOUND,
                p.optionalText("/data/reply/email_subject"), body(p, "/data/reply"),
                p.optionalNonBlank("/data/reply/from_email_address"), email,
                firstNonNull(p.optionalInstant("/data/reply/date_received"), p.optionalInstant("/data/reply/created_at")),
                metadata(p, instance, "/data/reply"));
        return new ParsedEvent.Storable(providerWorkspaceId, MANUAL_EMAIL_SENT,
                LeadDraft.byEmail(email, leadName(p), p.optionalId("/data/lead/id")), message,
                List.of(JobTypes.EMAIL_OUTBOUND_POST_PROCESS));
    }

    /** The lead's address when {@code data.lead} is there with one. */
    private static @Nullable String leadEmail(Payload p) {
        String email = p.optionalNonBlank("/data/lead/email");
        return email != null && looksLikeEmail(email) ? email : null;
    }

    private static String requiredEmail(Payload p, String pointer) throws InvalidPayloadException {
        String email = p.requiredText(pointer);
        if (!looksLikeEmail(email)) {
            throw InvalidPayloadException.wrongType(pointer, "an email address");
        }
        return email;
    }

    private static boolean looksLikeEmail(String s) {
        int at = s.lastIndexOf('@');
        return at > 0 && at < s.length() - 1 && s.length() <= 320;
    }

    private static @Nullable String leadName(Payload p) {
        String first = p.optionalNonBlank("/data/lead/first_name");
        String last = p.optionalNonBlank("/data/lead/last_name");
        if (first == null && last == null) {
            return null;
        }
        return first == null ? last : last == null ? first : first + " " + last;
    }

    private static @Nullable String body(Payload p, String parent) {
        return firstNonNull(p.optionalText(parent + "/text_body"), p.optionalText(parent + "/html_body"));
    }

    private static Map<String, Object> metadata(Payload p, String instance, String messagePointer) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("instance", instance);
        putIfPresent(m, "campaignId", p.optionalId("/data/campaign/id"));
        putIfPresent(m, "senderEmailId", p.optionalId("/data/sender_email/id"));
        putIfPresent(m, "providerLeadId", p.optionalId("/data/lead/id"));
        putIfPresent(m, "uuid", p.optionalNonBlank(messagePointer + "/uuid"));
        // Only when boolean: scheduled emails carry "interested" as a string or an object.
        putIfPresent(m, "interested", p.optionalBoolean(messagePointer + "/interested"));
        putIfPresent(m, "automatedReply", p.optionalBoolean(messagePointer + "/automated_reply"));
        return m;
    }

    private static void putIfPresent(Map<String, Object> m, String key, @Nullable Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }

    static String normaliseType(String type) {
        String t = type.strip().toLowerCase(Locale.ROOT);
        if (!plainType(t)) {
            t = SEPARATORS.matcher(t).replaceAll("_");
        }
        return t.length() > MAX_EVENT_TYPE_LENGTH ? t.substring(0, MAX_EVENT_TYPE_LENGTH) : t;
    }

    /** Already of letters, digits and underscores only: nothing for the separator pattern to replace. */
    private static boolean plainType(String t) {
        for (int i = 0; i < t.length(); i++) {
            char c = t.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_')) {
                return false;
            }
        }
        return true;
    }

    static String instanceHost(@Nullable String instanceUrl) {
        if (instanceUrl == null) {
            return "emailbison";
        }
        InstanceHost last = lastInstance;
        if (last.url().equals(instanceUrl)) {
            return last.host();
        }
        String host = parseInstanceHost(instanceUrl);
        lastInstance = new InstanceHost(instanceUrl, host);
        return host;
    }

    private static String parseInstanceHost(String instanceUrl) {
        try {
            URI uri = URI.create(instanceUrl.contains("://") ? instanceUrl : "https://" + instanceUrl);
            String host = uri.getHost();
            return host == null || host.isBlank() ? "emailbison" : host.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return "emailbison";
        }
    }

    private record InstanceHost(String url, String host) {
    }

    @SafeVarargs
    private static <T> @Nullable T firstNonNull(T... values) {
        for (T v : values) {
            if (v != null) {
                return v;
            }
        }
        return null;
    }
}
