package dev.ballast.integrations.credentials;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.UUID;

/** A workspace's integration as admins see it: everything but the secret. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IntegrationView(UUID workspaceId, String provider, boolean secretStored, @Nullable String baseUrl,
                              @Nullable String accountId, @Nullable String channel, @Nullable String alertChannel,
                              @Nullable Instant updatedAt, @Nullable String status) {
}
