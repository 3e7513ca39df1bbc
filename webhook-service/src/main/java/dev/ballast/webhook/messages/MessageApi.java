package dev.ballast.webhook.messages;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Bodies of the read API other services use. */
public final class MessageApi {

    private MessageApi() {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MessageView(long id, UUID workspaceId, long leadId, String provider, String externalId,
                              String channel, String direction, String eventType, @Nullable String subject,
                              @Nullable String body, @Nullable String fromAddress, @Nullable String toAddress,
                              JsonNode metadata, @Nullable Instant sentAt, Instant receivedAt,
                              @Nullable Map<String, AnnotationView> annotations) {
    }

    @Serdeable
    public record AnnotationView(String kind, JsonNode value, Instant updatedAt) {
    }

    /** One page of a lead's messages, oldest first; pass {@code nextAfter} as {@code after} for the next page. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record MessagePage(List<MessageView> items, @Nullable Long nextAfter) {
    }
}
