package dev.ballast.webhook.messages;

import dev.ballast.resilience.api.ProblemException;
import dev.ballast.webhook.api.WebhookOperations;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.UUID;

/** Messages for other services (service token): the read API declared by {@link WebhookOperations}. */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "messages")
public class MessageController implements WebhookOperations {

    private final MessageReads reads;

    MessageController(MessageReads reads) {
        this.reads = reads;
    }

    @Override
    @Operation(summary = "One message with its annotations")
    public MessageView message(long id, @Nullable String workspaceId) {
        return reads.message(workspace(workspaceId), id);
    }

    @Override
    @Operation(summary = "A lead's messages, oldest first, by pages (pass nextAfter as after)")
    public MessagePage leadMessages(long id, @Nullable String workspaceId, @Nullable Long after,
                                    @Nullable Integer limit) {
        return reads.leadMessages(workspace(workspaceId), id, after, limit);
    }

    @Override
    @Operation(summary = "Set an annotation (any JSON value) of a message; setting the same value again changes nothing")
    public AnnotationView annotate(long id, String kind, @Nullable String workspaceId, @Nullable byte[] value) {
        return reads.annotate(workspace(workspaceId), id, kind, value);
    }

    private static UUID workspace(@Nullable String header) {
        try {
            if (header != null && header.strip().length() == 36) {
                return UUID.fromString(header.strip());
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw ProblemException.badRequest("invalid_workspace", WORKSPACE_HEADER + " must be a workspace id (UUID)");
    }
}
