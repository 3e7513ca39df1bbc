package dev.ballast.jobs.queue;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

/**
 * The body of {@code POST /jobs} (and one item of {@code /jobs/bulk}). {@code workspaceId} is a UUID and
 * {@code runAt} an ISO-8601 instant, both read as text so that a bad value is answered naming the field.
 */
@Serdeable
public record JobRequest(@Nullable String type, @Nullable String workspaceId, @Nullable JsonNode payload,
                         @Nullable String dedupeKey, @Nullable String runAt, @Nullable Integer priority,
                         @Nullable Integer maxAttempts) {
}
