package dev.ballast.jobs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

/**
 * The body of {@code POST /jobs} (and one item of {@code /jobs/bulk}). {@code workspaceId} is a UUID and
 * {@code runAt} an ISO-8601 instant, both carried as text so that jobs-service answers a bad value naming the field.
 * Absent optional fields take the job type's defaults.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobRequest(@Nullable String type, @Nullable String workspaceId, @Nullable JsonNode payload,
                         @Nullable String dedupeKey, @Nullable String runAt, @Nullable Integer priority,
                         @Nullable Integer maxAttempts) {

    /** A job to run now, with the type's priority and attempts. */
    public static JobRequest of(String type, String workspaceId, JsonNode payload, String dedupeKey) {
        return new JobRequest(type, workspaceId, payload, dedupeKey, null, null, null);
    }
}
