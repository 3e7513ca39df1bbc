package dev.ballast.jobs.handlers;

import dev.ballast.webhook.api.WebhookOperations;
import dev.ballast.webhook.api.WebhookOperations.MessagePage;
import dev.ballast.webhook.api.WebhookOperations.MessageView;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** A lead's messages as webhook-service has them, read page by page, ordered by when they were sent. */
final class LeadConversation {

    static final String INBOUND = "inbound";
    static final String OUTBOUND = "outbound";

    private static final int PAGE = 200;
    // A lead with more messages than this is read up to it; the newest pages matter and ids grow with time.
    private static final int MAX_PAGES = 25;

    private final List<MessageView> messages;

    private LeadConversation(List<MessageView> messages) {
        this.messages = messages;
    }

    static LeadConversation read(WebhookOperations webhook, String workspace, long leadId) {
        List<MessageView> all = new ArrayList<>();
        Long after = null;
        for (int page = 0; page < MAX_PAGES; page++) {
            Long cursor = after;
            MessagePage p = AnnotatedSteps.webhookCall("read lead " + leadId,
                    () -> webhook.leadMessages(leadId, workspace, cursor, PAGE));
            if (p == null || p.items() == null) {
                break;
            }
            all.addAll(p.items());
            if (p.nextAfter() == null || p.items().isEmpty()) {
                break;
            }
            after = p.nextAfter();
        }
        all.sort(Comparator.comparing(LeadConversation::when).thenComparingLong(MessageView::id));
        return new LeadConversation(all);
    }

    /** When a message happened: sent for ours, received for theirs when the provider gave no send time. */
    static Instant when(MessageView m) {
        return m.sentAt() != null ? m.sentAt() : m.receivedAt();
    }

    /** The first message we sent the lead after {@code message}, if any: a person or a campaign answered already. */
    java.util.Optional<MessageView> outboundAfter(MessageView message) {
        Instant at = when(message);
        return messages.stream()
                .filter(m -> m.id() != message.id() && OUTBOUND.equals(m.direction()) && when(m).isAfter(at))
                .findFirst();
    }

    /** The lead's messages to us since our previous message to them, up to {@code outbound}: what it answered. */
    List<MessageView> answeredBy(MessageView outbound) {
        Instant at = when(outbound);
        Instant since = messages.stream()
                .filter(m -> m.id() != outbound.id() && OUTBOUND.equals(m.direction()) && when(m).isBefore(at))
                .map(LeadConversation::when).reduce((a, b) -> b).orElse(Instant.MIN);
        return messages.stream()
                .filter(m -> INBOUND.equals(m.direction()) && when(m).isAfter(since) && !when(m).isAfter(at))
                .toList();
    }
}
