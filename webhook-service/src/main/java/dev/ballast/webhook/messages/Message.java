package dev.ballast.webhook.messages;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

import java.time.Instant;
import java.util.UUID;

/** A stored email or SMS, exactly once per (workspace, provider, external id). {@code metadata} is JSON text. */
@MappedEntity(value = "messages", schema = "webhook")
public record Message(@Id Long id, UUID workspaceId, Long leadId, String provider, String externalId,
                      String channel, String direction, String eventType, @Nullable String subject,
                      @Nullable String body, @Nullable String fromAddress, @Nullable String toAddress,
                      String metadata, @Nullable Instant sentAt, Instant receivedAt) {
}
