package dev.ballast.webhook.messages;

import dev.ballast.resilience.api.ProblemException;
import dev.ballast.webhook.api.WebhookOperations;
import dev.ballast.webhook.booking.Bookings;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.UUID;

/**
 * Messages for other services (service token): the read API declared by {@link WebhookOperations}. Every call goes
 * through the {@link ReadApiBulkhead}, so that this API never takes the connections the webhook intake needs.
 */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "messages")
public class MessageController implements WebhookOperations {

    private final MessageReads reads;
    private final Bookings bookings;
    private final ReadApiBulkhead bulkhead;

    MessageController(MessageReads reads, Bookings bookings, ReadApiBulkhead bulkhead) {
        this.reads = reads;
        this.bookings = bookings;
        this.bulkhead = bulkhead;
    }

    @Override
    @Operation(summary = "One message with its annotations")
    public MessageView message(long id, @Nullable String workspaceId) {
        return bulkhead.call(() -> reads.message(workspace(workspaceId), id));
    }

    @Override
    @Operation(summary = "A lead's messages, oldest first, by pages (pass nextAfter as after)")
    public MessagePage leadMessages(long id, @Nullable String workspaceId, @Nullable Long after,
                                    @Nullable Integer limit) {
        return bulkhead.call(() -> reads.leadMessages(workspace(workspaceId), id, after, limit));
    }

    @Override
    @Operation(summary = "Set an annotation (any JSON value) of a message; setting the same value again changes nothing")
    public AnnotationView annotate(long id, String kind, @Nullable String workspaceId, @Nullable byte[] value) {
        return bulkhead.call(() -> reads.annotate(workspace(workspaceId), id, kind, value));
    }

    @Override
    @Operation(summary = "Set several annotations of a message at once (a JSON object of kind to value); all or none")
    public AnnotationsWritten annotateAll(long id, @Nullable String workspaceId, @Nullable byte[] values) {
        return bulkhead.call(() -> reads.annotateAll(workspace(workspaceId), id, values));
    }

    @Override
    @Operation(summary = "Mark a lead booked; one booking per appointmentId (or per lead without one)")
    public BookingView book(long id, @Nullable String workspaceId, BookingRequest booking) {
        return bulkhead.call(() -> found(bookings.book(workspace(workspaceId), id, booking), id));
    }

    @Override
    @Operation(summary = "Whether a lead has a booked meeting")
    public BookingView booking(long id, @Nullable String workspaceId) {
        return bulkhead.call(() -> found(bookings.booking(workspace(workspaceId), id), id));
    }

    @Override
    @Operation(summary = "Booked leads, least recent activity first, by pages; all workspaces without X-Workspace-Id")
    public BookedLeadPage bookedLeads(@Nullable String workspaceId, @Nullable String after, @Nullable Integer limit) {
        return bulkhead.call(() -> bookings.booked(workspaceId == null ? null : workspace(workspaceId), after, limit));
    }

    private static BookingView found(@Nullable BookingView view, long leadId) {
        if (view == null) {
            throw ProblemException.notFound("lead " + leadId);
        }
        return view;
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
