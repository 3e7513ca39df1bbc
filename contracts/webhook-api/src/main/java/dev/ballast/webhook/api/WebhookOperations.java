package dev.ballast.webhook.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * webhook-service's read API for other services. Its {@code MessageController} implements this interface and every
 * caller's {@code @Client(id = "webhook")} extends it.
 *
 * <p>Bearer service token; the workspace comes in {@code X-Workspace-Id}, and a message or lead of another workspace
 * is not found (404, which a declarative client turns into {@code null}). Writing the same annotation value again
 * changes nothing, so a PUT is safe to repeat.
 */
public interface WebhookOperations {

    String WORKSPACE_HEADER = "X-Workspace-Id";

    @Get("/messages/{id}")
    @Nullable
    MessageView message(long id, @Nullable @Header(WORKSPACE_HEADER) String workspaceId);

    @Get("/leads/{id}/messages{?after,limit}")
    @Nullable
    MessagePage leadMessages(long id, @Nullable @Header(WORKSPACE_HEADER) String workspaceId,
                             @Nullable @QueryValue Long after, @Nullable @QueryValue Integer limit);

    /**
     * Sets one annotation of a message. {@code value} is any JSON document as UTF-8 bytes: the service parses it
     * itself, so that malformed, empty or oversized values get their own problem answers whatever the content type.
     */
    @Put(uri = "/messages/{id}/annotations/{kind}", consumes = MediaType.ALL)
    @Nullable
    AnnotationView annotate(long id, String kind, @Nullable @Header(WORKSPACE_HEADER) String workspaceId,
                            @Nullable @Body byte[] value);

    /**
     * Sets several annotations of a message in one call and one transaction: {@code values} is a JSON object of kind
     * to any JSON value, as UTF-8 bytes, each checked and written as {@link #annotate} would (an unchanged value keeps
     * its {@code updatedAt}). Either all are written or none; the answer holds each kind's {@code updatedAt}.
     */
    @Put(uri = "/messages/{id}/annotations", consumes = MediaType.ALL)
    @Nullable
    AnnotationsWritten annotateAll(long id, @Nullable @Header(WORKSPACE_HEADER) String workspaceId,
                                   @Nullable @Body byte[] values);

    /**
     * Marks the lead booked: a meeting was booked by some other way than a GHL {@code AppointmentCreate} webhook. One
     * booking per {@code appointmentId} (without one, one per lead): repeating the call changes nothing.
     */
    @Put("/leads/{id}/booking")
    @Nullable
    BookingView book(long id, @Nullable @Header(WORKSPACE_HEADER) String workspaceId, @Body BookingRequest booking);

    /** Whether the lead has a booked meeting. */
    @Get("/leads/{id}/booking")
    @Nullable
    BookingView booking(long id, @Nullable @Header(WORKSPACE_HEADER) String workspaceId);

    /**
     * Booked leads, least recent activity (booking or last message) first, by pages: pass {@code nextAfter} as
     * {@code after}. Without {@code X-Workspace-Id}, those of every workspace (for cron jobs of other services).
     */
    @Get("/leads/booked{?after,limit}")
    BookedLeadPage bookedLeads(@Nullable @Header(WORKSPACE_HEADER) String workspaceId,
                               @Nullable @QueryValue String after, @Nullable @QueryValue Integer limit);

    /** A stored email or SMS; {@code annotations} by kind, present when the message was read on its own. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MessageView(long id, UUID workspaceId, long leadId, String provider, String externalId,
                       String channel, String direction, String eventType, @Nullable String subject,
                       @Nullable String body, @Nullable String fromAddress, @Nullable String toAddress,
                       JsonNode metadata, @Nullable Instant sentAt, Instant receivedAt,
                       @Nullable Map<String, AnnotationView> annotations) {
    }

    @Serdeable
    record AnnotationView(String kind, JsonNode value, Instant updatedAt) {
    }

    /** What {@link #annotateAll} wrote: each kind's {@code updatedAt} (unchanged values keep theirs). */
    @Serdeable
    record AnnotationsWritten(long messageId, Map<String, Instant> updatedAt) {
    }

    /** {@code appointmentId}: the calendar's id of the meeting, if it has one; {@code startsAt}: when it is. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BookingRequest(@Nullable String appointmentId, @Nullable Instant startsAt) {
    }

    /** {@code bookedAt}: the lead's first booking; {@code appointmentId}/{@code startsAt}: its latest; {@code bookings}: how many. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BookingView(long leadId, UUID workspaceId, boolean booked, @Nullable Instant bookedAt,
                       @Nullable String appointmentId, @Nullable Instant startsAt, int bookings) {
    }

    /** {@code activityAt}: the later of the booking and the lead's last message. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BookedLead(long leadId, UUID workspaceId, Instant bookedAt, @Nullable Instant lastMessageAt,
                      Instant activityAt) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record BookedLeadPage(List<BookedLead> items, @Nullable String nextAfter) {
    }

    /** One page of a lead's messages, oldest first; pass {@code nextAfter} as {@code after} for the next page. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record MessagePage(List<MessageView> items, @Nullable Long nextAfter) {
    }
}
