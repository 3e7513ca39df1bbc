package dev.ballast.integrations.health;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.UUID;

/** One integration's health record. {@code lastError} is scrubbed: codes and statuses, never a provider's body. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record HealthView(UUID workspaceId, String provider, String status, Instant since, @Nullable Instant lastCheckAt,
                         @Nullable Instant lastSuccessAt, @Nullable String lastErrorCode, @Nullable String lastError,
                         int consecutiveFailures) {
}
