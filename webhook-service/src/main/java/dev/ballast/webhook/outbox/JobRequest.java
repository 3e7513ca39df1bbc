package dev.ballast.webhook.outbox;

import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

/** The body of {@code POST /jobs}: what to run, for which workspace, and the key it is deduplicated by. */
@Serdeable
public record JobRequest(String type, String workspaceId, JsonNode payload, String dedupeKey) {
}
