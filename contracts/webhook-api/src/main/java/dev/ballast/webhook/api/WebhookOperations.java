package dev.ballast.jobs.handlers;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Put;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * The part of webhook-service's read API the handlers use (its {@code MessageController}; bearer service token, the
 * workspace in {@code X-Workspace-Id}, a message of another workspace is 404). Writing the same annotation value
 * again changes nothing there, so a PUT is safe to repeat.
 */
public interface WebhookOperations {

    String WORKSPACE_HEADER = "X-Workspace-Id";

    @Get("/messages/{id}")
    @Nullable
    Message message(long id, @Header(WORKSPACE_HEADER) String workspaceId);

    @Put(uri = "/messages/{id}/annotations/{kind}", processes = MediaType.APPLICATION_JSON)
    @Nullable
    Annotation annotate(long id, String kind, @Header(WORKSPACE_HEADER) String workspaceId, @Body JsonNode value);

    /** A message as webhook-service shows it; {@code annotations} by kind. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Message(long id, UUID workspaceId, long leadId, String provider, String externalId, String channel,
                   String direction, String eventType, @Nullable String subject, @Nullable String body,
                   @Nullable String fromAddress, @Nullable String toAddress, @Nullable JsonNode metadata,
                   @Nullable Instant sentAt, @Nullable Instant receivedAt,
                   @Nullable Map<String, Annotation> annotations) {
    }

    @Serdeable
    record Annotation(String kind, JsonNode value, @Nullable Instant updatedAt) {
    }
}
