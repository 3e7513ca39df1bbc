package dev.ballast.webhook.messages;

import dev.ballast.resilience.api.ProblemException;
import dev.ballast.webhook.messages.MessageApi.AnnotationView;
import dev.ballast.webhook.messages.MessageApi.MessagePage;
import dev.ballast.webhook.messages.MessageApi.MessageView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.UUID;

/**
 * Messages for other services (service token). The workspace comes in {@code X-Workspace-Id}; a message or
 * lead of another workspace is not found.
 */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "messages")
public class MessageController {

    public static final String WORKSPACE_HEADER = "X-Workspace-Id";
    private final MessageReads reads;

    MessageController(MessageReads reads) {
        this.reads = reads;
    }

    @Get("/messages/{id}")
    @Operation(summary = "One message with its annotations")
    public MessageView message(long id, @Nullable @Header(WORKSPACE_HEADER) String workspace) {
        return reads.message(workspace(workspace), id);
    }

    @Get("/leads/{id}/messages{?after,limit}")
    @Operation(summary = "A lead's messages, oldest first, by pages (pass nextAfter as after)")
    public MessagePage leadMessages(long id, @Nullable @Header(WORKSPACE_HEADER) String workspace,
                                    @Nullable @QueryValue Long after, @Nullable @QueryValue Integer limit) {
        return reads.leadMessages(workspace(workspace), id, after, limit);
    }

    @Put(uri = "/messages/{id}/annotations/{kind}", consumes = MediaType.ALL)
    @Operation(summary = "Set an annotation (any JSON value) of a message; setting the same value again changes nothing")
    public AnnotationView annotate(long id, String kind, @Nullable @Header(WORKSPACE_HEADER) String workspace,
                                   @Nullable @Body byte[] body) {
        return reads.annotate(workspace(workspace), id, kind, body);
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
