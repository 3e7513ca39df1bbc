package dev.ballast.insights.calls;

import dev.ballast.webhook.api.WebhookOperations.MessagePage;
import dev.ballast.webhook.api.WebhookOperations.MessageView;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import jakarta.inject.Singleton;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** A lead's conversation as an LLM reads it, from webhook-service; and how a failed call counts. */
@Singleton
public final class Conversations {

    /** Longest message text handed to the LLM per message: enough for a reply, bounded for a pasted thread. */
    private static final int MESSAGE_CHARS = 2000;
    private static final int ERROR_CHARS = 500;

    private final WebhookClient webhook;
    private final int messagesPerLead;

    Conversations(WebhookClient webhook, @Value("${ballast.insights.messages-per-lead:50}") int messagesPerLead) {
        this.webhook = webhook;
        this.messagesPerLead = Math.max(1, messagesPerLead);
    }

    /** One line per message, oldest first; null when the workspace has no such lead. */
    public @Nullable List<String> lines(UUID workspaceId, long leadId) {
        MessagePage page = webhook.leadMessages(leadId, workspaceId.toString(), null, messagesPerLead);
        if (page == null) {
            return null;
        }
        List<String> lines = new ArrayList<>(page.items().size());
        for (MessageView m : page.items()) {
            String text = (m.subject() == null ? "" : m.subject() + ": ") + (m.body() == null ? "" : m.body());
            if (text.length() > MESSAGE_CHARS) {
                text = text.substring(0, MESSAGE_CHARS);
            }
            lines.add(m.direction() + " " + m.channel() + " " + (m.sentAt() == null ? m.receivedAt() : m.sentAt())
                    + " " + text);
        }
        return lines;
    }

    /** A refusal no retry can change: any 4xx but 408 and 429. */
    public static boolean permanent(HttpClientResponseException e) {
        int code = e.code();
        return code >= 400 && code < 500 && code != 408 && code != 429;
    }

    /** An error as stored with a lead: short, and never a payload. */
    public static String error(String error) {
        return error.length() > ERROR_CHARS ? error.substring(0, ERROR_CHARS) : error;
    }
}
