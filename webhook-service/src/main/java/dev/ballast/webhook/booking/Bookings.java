package dev.ballast.webhook.booking;

import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.webhook.api.WebhookOperations.BookedLead;
import dev.ballast.webhook.api.WebhookOperations.BookedLeadPage;
import dev.ballast.webhook.api.WebhookOperations.BookingRequest;
import dev.ballast.webhook.api.WebhookOperations.BookingView;
import dev.ballast.webhook.intake.LeadDraft;
import dev.ballast.webhook.messages.ReadApiSettings;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Booked meetings: stored once per (workspace, appointment id) with {@code INSERT ... ON CONFLICT DO NOTHING}, the lead
 * marked booked in the same statement, so that the same appointment delivered many times at once is one booking.
 */
@Singleton
public final class Bookings {

    /** What storing a booking did: {@code inserted} false for an appointment stored before. */
    public record Recorded(long leadId, boolean inserted) {
    }

    private static final int MAX_APPOINTMENT_ID = 200;
    private static final Pattern AFTER = Pattern.compile("(-?\\d{1,19})\\.(\\d{1,19})");

    // The lead is upserted by its key, as a message's would be, and marked booked whether it is new or not.
    private static final String RECORD_BY_KEY = """
            WITH input AS (
                SELECT CAST(? AS uuid) AS ws, CAST(? AS text) AS lead_key, CAST(? AS text) AS email,
                       CAST(? AS text) AS phone, CAST(? AS text) AS name, CAST(? AS text) AS provider_lead_id,
                       CAST(? AS text) AS appointment_id, CAST(? AS timestamptz) AS starts_at),
            lead AS (
                INSERT INTO webhook.leads (workspace_id, lead_key, email, phone, name, provider_lead_id, booked_at)
                SELECT ws, lead_key, email, phone, name, provider_lead_id, now() FROM input
                ON CONFLICT (workspace_id, lead_key) DO UPDATE SET booked_at = coalesce(leads.booked_at, now())
                RETURNING id),
            booking AS (
                INSERT INTO webhook.bookings (workspace_id, lead_id, appointment_id, source, starts_at)
                SELECT input.ws, lead.id, input.appointment_id, 'ghl', input.starts_at FROM input, lead
                ON CONFLICT (workspace_id, appointment_id) DO NOTHING
                RETURNING id)
            SELECT lead.id, (SELECT count(*) FROM booking) FROM lead""";

    private static final String RECORD_BY_ID = """
            WITH lead AS (
                UPDATE webhook.leads SET booked_at = coalesce(booked_at, now())
                WHERE id = ? AND workspace_id = ?
                RETURNING id, workspace_id),
            booking AS (
                INSERT INTO webhook.bookings (workspace_id, lead_id, appointment_id, source, starts_at)
                SELECT workspace_id, id, ?, 'api', CAST(? AS timestamptz) FROM lead
                ON CONFLICT (workspace_id, appointment_id) DO NOTHING)
            SELECT count(*) FROM lead""";

    private static final String VIEW = """
            SELECT l.id, l.workspace_id, l.booked_at, b.appointment_id, b.starts_at,
                   (SELECT count(*) FROM webhook.bookings WHERE lead_id = l.id)
            FROM webhook.leads l
            LEFT JOIN LATERAL (
                SELECT appointment_id, starts_at FROM webhook.bookings WHERE lead_id = l.id ORDER BY id DESC LIMIT 1) b
                ON true
            WHERE l.id = ? AND l.workspace_id = ?""";

    // A lead's last message is the newest of its messages_lead index; activity orders the pages (keyset).
    private static final String BOOKED = """
            SELECT id, workspace_id, booked_at, last_message_at, activity_at FROM (
                SELECT l.id, l.workspace_id, l.booked_at, m.received_at AS last_message_at,
                       greatest(l.booked_at, coalesce(m.received_at, l.booked_at)) AS activity_at
                FROM webhook.leads l
                LEFT JOIN LATERAL (
                    SELECT received_at FROM webhook.messages WHERE lead_id = l.id ORDER BY id DESC LIMIT 1) m ON true
                WHERE l.booked_at IS NOT NULL AND (CAST(? AS uuid) IS NULL OR l.workspace_id = CAST(? AS uuid))) b
            WHERE (activity_at, id) > (CAST(? AS timestamptz), ?)
            ORDER BY activity_at, id
            LIMIT ?""";

    private final TransactionOperations<Connection> tx;
    private final DbRetry retry;
    private final ReadApiSettings settings;

    Bookings(TransactionOperations<Connection> tx, DbRetry retry, ReadApiSettings settings) {
        this.tx = tx;
        this.retry = retry;
        this.settings = settings;
    }

    /** Stores a GHL appointment within the delivery's transaction. */
    public Recorded record(Connection c, UUID workspaceId, LeadDraft lead, String appointmentId,
                           @Nullable Instant startsAt) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(RECORD_BY_KEY)) {
            st.setObject(1, workspaceId);
            st.setString(2, lead.key());
            st.setString(3, lead.email());
            st.setString(4, lead.phone());
            st.setString(5, lead.name());
            st.setString(6, lead.providerLeadId());
            st.setString(7, appointmentId);
            st.setString(8, startsAt == null ? null : startsAt.toString());
            try (ResultSet rs = st.executeQuery()) {
                rs.next();
                return new Recorded(rs.getLong(1), rs.getLong(2) == 1);
            }
        }
    }

    /** {@code PUT /leads/{id}/booking}: null when the workspace has no such lead. */
    public @Nullable BookingView book(UUID workspaceId, long leadId, @Nullable BookingRequest request) {
        String appointment = request == null || request.appointmentId() == null || request.appointmentId().isBlank()
                ? "lead:" + leadId : request.appointmentId().strip();
        if (appointment.length() > MAX_APPOINTMENT_ID) {
            throw new ProblemException(ProblemDetails.of(HttpStatus.BAD_REQUEST, "invalid_appointment_id",
                    "appointmentId may be at most " + MAX_APPOINTMENT_ID + " characters").withPointer("/appointmentId"));
        }
        Instant startsAt = request == null ? null : request.startsAt();
        return retry.transaction("lead-booking-write", tx, status -> {
            Connection c = status.getConnection();
            try (PreparedStatement st = c.prepareStatement(RECORD_BY_ID)) {
                st.setLong(1, leadId);
                st.setObject(2, workspaceId);
                st.setString(3, appointment);
                st.setString(4, startsAt == null ? null : startsAt.toString());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next() || rs.getLong(1) == 0) {
                        return null;
                    }
                }
            }
            return view(c, workspaceId, leadId);
        });
    }

    /** {@code GET /leads/{id}/booking}: null when the workspace has no such lead. */
    public @Nullable BookingView booking(UUID workspaceId, long leadId) {
        return retry.transaction("lead-booking-read", tx, TransactionDefinition.READ_ONLY,
                status -> view(status.getConnection(), workspaceId, leadId));
    }

    /** {@code GET /leads/booked}: a page of booked leads by activity, of one workspace or (null) of all. */
    public BookedLeadPage booked(@Nullable UUID workspaceId, @Nullable String after, @Nullable Integer limit) {
        int size = limit == null ? settings.defaultPageSize() : limit;
        if (size < 1 || size > settings.maxPageSize()) {
            throw new ProblemException(ProblemDetails.of(HttpStatus.BAD_REQUEST, "invalid_limit",
                    "limit must be between 1 and " + settings.maxPageSize()));
        }
        Instant afterActivity = Instant.EPOCH.minus(36_500, ChronoUnit.DAYS);
        long afterLead = 0;
        if (after != null) {
            Matcher m = AFTER.matcher(after.strip());
            if (!m.matches()) {
                throw ProblemException.badRequest("invalid_after", "after must be a nextAfter of a previous page");
            }
            try {
                afterActivity = Instant.EPOCH.plus(Long.parseLong(m.group(1)), ChronoUnit.MICROS);
                afterLead = Long.parseLong(m.group(2));
            } catch (RuntimeException e) {
                throw ProblemException.badRequest("invalid_after", "after must be a nextAfter of a previous page");
            }
        }
        Instant fromActivity = afterActivity;
        long fromLead = afterLead;
        return retry.transaction("booked-leads-read", tx, TransactionDefinition.READ_ONLY, status -> {
            try (PreparedStatement st = status.getConnection().prepareStatement(BOOKED)) {
                st.setObject(1, workspaceId);
                st.setObject(2, workspaceId);
                st.setString(3, fromActivity.toString());
                st.setLong(4, fromLead);
                st.setInt(5, size + 1);
                List<BookedLead> items = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        items.add(new BookedLead(rs.getLong(1), rs.getObject(2, UUID.class), instant(rs.getTimestamp(3)),
                                instant(rs.getTimestamp(4)), instant(rs.getTimestamp(5))));
                    }
                }
                // One extra row tells whether there is a next page.
                if (items.size() <= size) {
                    return new BookedLeadPage(items, null);
                }
                List<BookedLead> page = items.subList(0, size);
                BookedLead last = page.getLast();
                return new BookedLeadPage(List.copyOf(page),
                        ChronoUnit.MICROS.between(Instant.EPOCH, last.activityAt()) + "." + last.leadId());
            }
        });
    }

    private static @Nullable BookingView view(Connection c, UUID workspaceId, long leadId) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(VIEW)) {
            st.setLong(1, leadId);
            st.setObject(2, workspaceId);
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                Instant bookedAt = instant(rs.getTimestamp(3));
                return new BookingView(rs.getLong(1), rs.getObject(2, UUID.class), bookedAt != null, bookedAt,
                        rs.getString(4), instant(rs.getTimestamp(5)), rs.getInt(6));
            }
        }
    }

    private static @Nullable Instant instant(@Nullable Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
