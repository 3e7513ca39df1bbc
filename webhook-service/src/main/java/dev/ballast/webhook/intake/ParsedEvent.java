package dev.ballast.webhook.intake;

/** What a provider's delivery says, once authenticated and parsed. */
public sealed interface ParsedEvent permits ParsedEvent.Storable, ParsedEvent.Ignored, ParsedEvent.Booking {

    /** The provider-side workspace (EmailBison workspace_id, GHL locationId) the delivery comes from. */
    String providerWorkspaceId();

    /** The event type, lower-cased. */
    String eventType();

    /** A message to store exactly once, with the follow-up jobs to enqueue when it is new. */
    record Storable(String providerWorkspaceId, String eventType, LeadDraft lead, MessageDraft message,
                    java.util.List<String> jobTypes) implements ParsedEvent {
    }

    /** A booked meeting, stored once per appointment id, its lead marked booked. */
    record Booking(String providerWorkspaceId, String eventType, LeadDraft lead, String appointmentId,
                   java.time.@io.micronaut.core.annotation.Nullable Instant startsAt) implements ParsedEvent {
    }

    /** A delivery that is answered 200 and logged, but stores nothing. */
    record Ignored(String providerWorkspaceId, String eventType, boolean known) implements ParsedEvent {
    }
}
