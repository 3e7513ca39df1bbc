package dev.ballast.webhook.outbox;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

import java.time.Instant;
import java.util.UUID;

/** A follow-up job waiting to be handed to jobs-service. {@code payload} is JSON text. */
@MappedEntity(value = "outbox", schema = "webhook")
public record OutboxRow(@Id Long id, UUID workspaceId, Long messageId, String jobType, String dedupeKey,
                        String payload, int attempts, Instant nextAttemptAt, @Nullable String lastError,
                        Instant createdAt, @Nullable Instant deliveredAt) {
}
