package dev.ballast.insights.booked;

import dev.ballast.insights.sql.JdbcUnits;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.webhook.api.WebhookOperations.BookedLead;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.sql.Array;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** The booked summaries' SQL: the page cursor, claims of leads to summarize, and the summaries. */
@Singleton
public final class BookedSummaryStore {

    /** A lead this tick summarizes, for the activity it has now. */
    public record Claimed(UUID workspaceId, long leadId, Instant activityAt, int attempts) {
    }

    private static final String CURSOR = "SELECT after FROM insights.booked_summary_cursor";

    private static final String SAVE_CURSOR = """
            UPDATE insights.booked_summary_cursor SET after = ?, updated_at = now()""";

    // Candidates in page order that need a summary: none yet or older than their activity, not claimed by another
    // tick, not given up on at this activity. The conflict clause re-checks under the row lock, so of two ticks
    // claiming one lead at once exactly one gets it.
    private static final String CLAIM = """
            WITH c AS (
                SELECT ws, lead, activity FROM unnest(?::uuid[], ?::bigint[], ?::timestamptz[]) WITH ORDINALITY
                    AS c(ws, lead, activity, ord)
                WHERE NOT EXISTS (
                    SELECT 1 FROM insights.booked_summaries s
                    WHERE s.workspace_id = c.ws AND s.lead_id = c.lead
                      AND (s.summarized_through >= c.activity OR s.claimed_until > now()
                           OR (s.attempts >= ? AND s.pending_through >= c.activity)))
                ORDER BY ord
                LIMIT ?)
            INSERT INTO insights.booked_summaries AS s (workspace_id, lead_id, pending_through, claim_owner, claimed_until)
            SELECT ws, lead, activity, ?, now() + make_interval(secs => ?) FROM c
            ON CONFLICT (workspace_id, lead_id) DO UPDATE
            SET attempts = CASE WHEN s.pending_through >= excluded.pending_through THEN s.attempts ELSE 0 END,
                pending_through = excluded.pending_through, claim_owner = excluded.claim_owner,
                claimed_until = excluded.claimed_until, updated_at = now()
            WHERE (s.claimed_until IS NULL OR s.claimed_until <= now())
              AND (s.summarized_through IS NULL OR s.summarized_through < excluded.pending_through)
            RETURNING workspace_id, lead_id, pending_through, attempts""";

    private static final String WRITE = """
            UPDATE insights.booked_summaries
            SET summary = ?, summarized_through = pending_through, attempts = 0, last_error = NULL,
                claim_owner = NULL, claimed_until = NULL, updated_at = now()
            WHERE workspace_id = ? AND lead_id = ? AND claim_owner = ?""";

    private static final String FAIL = """
            UPDATE insights.booked_summaries
            SET attempts = attempts + CASE WHEN ? THEN ? ELSE 1 END, last_error = ?, claim_owner = NULL,
                claimed_until = NULL, updated_at = now()
            WHERE workspace_id = ? AND lead_id = ? AND claim_owner = ?""";

    private static final String RELEASE = """
            UPDATE insights.booked_summaries SET claim_owner = NULL, claimed_until = NULL, updated_at = now()
            WHERE workspace_id = ? AND lead_id = ? AND claim_owner = ?""";

    private final JdbcUnits units;

    BookedSummaryStore(JdbcUnits units) {
        this.units = units;
    }

    public @Nullable String cursor(DbRetry db) {
        return units.statement(db, "read-booked-summary-cursor", c -> {
            try (PreparedStatement st = c.prepareStatement(CURSOR); ResultSet rs = st.executeQuery()) {
                return rs.next() ? rs.getString(1) : null;
            }
        });
    }

    public void saveCursor(DbRetry db, @Nullable String after) {
        units.statement(db, "save-booked-summary-cursor", c -> {
            try (PreparedStatement st = c.prepareStatement(SAVE_CURSOR)) {
                st.setString(1, after);
                return st.executeUpdate();
            }
        });
    }

    /** Claims, in candidate order, at most {@code limit} leads that need a summary. */
    public List<Claimed> claim(DbRetry db, List<BookedLead> candidates, int limit, int maxAttempts, Duration lease,
                               UUID owner) {
        return units.statement(db, "claim-booked-summaries", c -> {
            Array ws = c.createArrayOf("uuid", candidates.stream().map(BookedLead::workspaceId).toArray());
            Array leads = c.createArrayOf("bigint", candidates.stream().map(BookedLead::leadId).toArray());
            Array activity = c.createArrayOf("text", candidates.stream().map(l -> l.activityAt().toString()).toArray());
            try (PreparedStatement st = c.prepareStatement(CLAIM)) {
                st.setArray(1, ws);
                st.setArray(2, leads);
                st.setArray(3, activity);
                st.setInt(4, maxAttempts);
                st.setInt(5, limit);
                st.setObject(6, owner);
                st.setDouble(7, lease.toMillis() / 1000.0);
                List<Claimed> claimed = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        claimed.add(new Claimed(rs.getObject(1, UUID.class), rs.getLong(2),
                                rs.getTimestamp(3).toInstant(), rs.getInt(4)));
                    }
                }
                return claimed;
            }
        });
    }

    /** Stores the summary for the claimed activity; false when the claim was lost. */
    public boolean write(DbRetry db, Claimed lead, UUID owner, String summary) {
        return units.statement(db, "write-booked-summary", c -> {
            try (PreparedStatement st = c.prepareStatement(WRITE)) {
                st.setString(1, summary);
                st.setObject(2, lead.workspaceId());
                st.setLong(3, lead.leadId());
                st.setObject(4, owner);
                return st.executeUpdate() == 1;
            }
        });
    }

    /** Records a failed attempt; {@code permanent} ones use up every attempt at this activity at once. */
    public void fail(DbRetry db, Claimed lead, UUID owner, String error, boolean permanent, int maxAttempts) {
        units.transaction(db, "fail-booked-summary", c -> {
            try (PreparedStatement st = c.prepareStatement(FAIL)) {
                st.setBoolean(1, permanent);
                st.setInt(2, maxAttempts);
                st.setString(3, error);
                st.setObject(4, lead.workspaceId());
                st.setLong(5, lead.leadId());
                st.setObject(6, owner);
                return st.executeUpdate();
            }
        });
    }

    public void release(DbRetry db, Claimed lead, UUID owner) {
        units.statement(db, "release-booked-summary", c -> {
            try (PreparedStatement st = c.prepareStatement(RELEASE)) {
                st.setObject(1, lead.workspaceId());
                st.setLong(2, lead.leadId());
                st.setObject(3, owner);
                return st.executeUpdate();
            }
        });
    }
}
