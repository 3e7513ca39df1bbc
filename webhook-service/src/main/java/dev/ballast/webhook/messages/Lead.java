package dev.ballast.webhook.messages;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

import java.time.Instant;
import java.util.UUID;

/** A person messages are exchanged with, unique per workspace by its {@code leadKey}. */
@MappedEntity(value = "leads", schema = "webhook")
public record Lead(@Id Long id, UUID workspaceId, String leadKey, @Nullable String email, @Nullable String phone,
                   @Nullable String name, @Nullable String providerLeadId, Instant createdAt, Instant updatedAt) {
}
