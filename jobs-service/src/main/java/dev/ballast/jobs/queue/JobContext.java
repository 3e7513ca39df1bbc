package dev.ballast.jobs.queue;

import io.micronaut.json.tree.JsonNode;

import java.time.Instant;
import java.util.UUID;

/**
 * One claimed attempt of a job, as a handler sees it. {@code attempt} is also the claim's fencing value: only the
 * worker holding the newest attempt can record an outcome. {@code deadline} is when the type's time budget runs out.
 */
public record JobContext(long id, String type, UUID workspaceId, JsonNode payload, int attempt, int maxAttempts,
                         Instant deadline) {

    public boolean lastAttempt() {
        return attempt >= maxAttempts;
    }
}
