package dev.ballast.webhook.deliverylog;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

import java.time.Instant;
import java.util.UUID;

/** One row of the delivery log. */
@MappedEntity(value = "webhook_deliveries", schema = "webhook")
public record Delivery(@Id @GeneratedValue Long id, @Nullable UUID workspaceId, @Nullable String webhookId,
                       String provider, @Nullable String eventType, String outcome, @Nullable String reason,
                       int httpStatus, int bodyBytes, @Nullable Long messageId, Instant receivedAt) {
}
