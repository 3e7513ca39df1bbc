package dev.ballast.webhook.intake;

import io.micronaut.core.annotation.Nullable;

import java.time.Instant;
import java.util.Map;

/**
 * A message as the delivery describes it.
 *
 * @param externalId the provider's identity of the message, unique per (workspace, provider)
 * @param metadata   a few optional provider fields kept for follow-up jobs (campaign, sender account, ...)
 */
public record MessageDraft(String externalId, String channel, Direction direction, @Nullable String subject,
                           @Nullable String body, @Nullable String fromAddress, @Nullable String toAddress,
                           @Nullable Instant sentAt, Map<String, Object> metadata) {

    public enum Direction {
        INBOUND, OUTBOUND;

        public String column() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }
}
