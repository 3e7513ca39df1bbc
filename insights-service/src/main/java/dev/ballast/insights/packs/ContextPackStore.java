package dev.ballast.insights.packs;

import dev.ballast.insights.sql.JdbcUnits;
import dev.ballast.resilience.db.DbRetry;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * The context packs' SQL, in plain JDBC (ON CONFLICT, SKIP LOCKED, data-modifying CTEs). Every unit is one short
 * statement or transaction that holds its connection only while it runs: no connection is held between units, so
 * never while an outbound call runs. Every write of a step is fenced by the claiming tick's lease owner (read
 * {@code FOR SHARE}, so a concurrent release waits for it and a write after a release changes nothing). Time is the
 * database's ({@code now()}), so replicas' clocks never matter. The caller passes the {@link DbRetry} to run under:
 * an API request's, or a tick's with its own policy and circuit.
 */
@Singleton
public final class ContextPackStore {

    /** A pack to create; {@code requestHash} tells a replayed Idempotency-Key's request from another one. */
    public record NewPack(UUID workspaceId, List<Long> leadIds, @Nullable String question,
                          @Nullable String idempotencyKey, String requestHash) {
    }

    /** {@code created} false: the key named an existing pack; {@code sameRequest} whether it was made by this request. */
    public record Created(long id, boolean created, boolean sameRequest) {
    }

    /** A pack claimed by a tick. */
    public record ClaimedPack(long id, UUID workspaceId, @Nullable String question, int synthesisAttempts) {
    }

    /** A lead of a pack still to be worked on; {@code attempts} failed before. */
    public record PendingLead(int position, long leadId, int attempts) {
    }

    /** What a pack looks like to the API. */
    public record PackRow(long id, UUID workspaceId, String status, @Nullable String question, int totalLeads,
                          int processedLeads, int failedLeads, int cursor, @Nullable String synthesis,
                          @Nullable String lastError, Instant createdAt, Instant updatedAt,
                          @Nullable Instant completedAt, List<LeadRow> leads) {
    }

    public record LeadRow(long leadId, String status, int attempts, @Nullable String insight,
                          @Nullable String error) {
    }

    private static final String CREATE = """
            WITH pack AS (
                INSERT INTO insights.context_packs (workspace_id, question, idempotency_key, request_hash, total_leads)
                VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (workspace_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
                RETURNING id),
            leads AS (
                INSERT INTO insights.pack_leads (pack_id, position, lead_id)
                SELECT pack.id, l.ord - 1, l.lead_id FROM pack, unnest(?::bigint[]) WITH ORDINALITY AS l(lead_id, ord))
            SELECT id FROM pack""";

    private static final String FIND_BY_KEY = """
            SELECT id, request_hash FROM insights.context_packs WHERE workspace_id = ? AND idempotency_key = ?""";

    // Least recently worked first, so that every open pack gets its turn; a pack whose lease ran out (its tick died)
    // is claimable again.
    private static final String CLAIM = """
            WITH due AS (
                SELECT id FROM insights.context_packs
                WHERE status IN ('pending', 'running') AND (lease_until IS NULL OR lease_until < now())
                ORDER BY updated_at, id
                LIMIT ?
                FOR UPDATE SKIP LOCKED)
            UPDATE insights.context_packs p
            SET status = 'running', lease_owner = ?, lease_until = now() + make_interval(secs => ?), updated_at = now()
            FROM due WHERE p.id = due.id
            RETURNING p.id, p.workspace_id, p.question, p.synthesis_attempts""";

    private static final String NEXT_LEADS = """
            SELECT l.position, l.lead_id, l.attempts FROM insights.pack_leads l
            WHERE l.pack_id = ? AND l.status = 'pending'
              AND l.position >= (SELECT cursor_position FROM insights.context_packs WHERE id = ?)
            ORDER BY l.position
            LIMIT ?""";

    // One statement: the lead is done and its insight stored together, or neither. Rerunning it changes nothing.
    private static final String WRITE_INSIGHT = """
            WITH owned AS (
                SELECT id, workspace_id FROM insights.context_packs WHERE id = ? AND lease_owner = ? FOR SHARE),
            lead AS (
                UPDATE insights.pack_leads l
                SET status = 'done', attempts = l.attempts + 1, last_error = NULL, updated_at = now()
                FROM owned WHERE l.pack_id = owned.id AND l.position = ? AND l.status = 'pending'
                RETURNING l.pack_id, l.lead_id, owned.workspace_id),
            stored AS (
                INSERT INTO insights.lead_insights (pack_id, lead_id, workspace_id, insight)
                SELECT pack_id, lead_id, workspace_id, to_jsonb(?::text) FROM lead
                ON CONFLICT (pack_id, lead_id) DO NOTHING)
            SELECT count(*) FROM lead""";

    private static final String RECORD_FAILURE = """
            WITH owned AS (SELECT id FROM insights.context_packs WHERE id = ? AND lease_owner = ? FOR SHARE)
            UPDATE insights.pack_leads l
            SET attempts = l.attempts + 1, last_error = ?, updated_at = now(),
                status = CASE WHEN ? OR l.attempts + 1 >= ? THEN 'failed' ELSE 'pending' END
            FROM owned WHERE l.pack_id = owned.id AND l.position = ? AND l.status = 'pending'
            RETURNING l.status""";

    // The cursor is where the first unsettled lead is; the lease is kept only for a pack ready to synthesize now.
    private static final String SAVE_STEP = """
            WITH counts AS (
                SELECT count(*) FILTER (WHERE status = 'done') AS done,
                       count(*) FILTER (WHERE status = 'failed') AS failed,
                       min(position) FILTER (WHERE status = 'pending') AS next
                FROM insights.pack_leads WHERE pack_id = ?)
            UPDATE insights.context_packs p
            SET processed_leads = counts.done + counts.failed, failed_leads = counts.failed,
                cursor_position = coalesce(counts.next, p.total_leads), updated_at = now(),
                lease_owner = CASE WHEN counts.next IS NULL AND ? THEN p.lease_owner END,
                lease_until = CASE WHEN counts.next IS NULL AND ? THEN p.lease_until END
            FROM counts WHERE p.id = ? AND p.lease_owner = ?
            RETURNING counts.next IS NULL""";

    private static final String INSIGHTS = """
            SELECT i.insight #>> '{}' FROM insights.lead_insights i
            JOIN insights.pack_leads l ON l.pack_id = i.pack_id AND l.lead_id = i.lead_id
            WHERE i.pack_id = ? ORDER BY l.position""";

    private static final String COMPLETE = """
            UPDATE insights.context_packs
            SET status = 'complete', summary = ?, last_error = NULL, completed_at = now(), updated_at = now(),
                lease_owner = NULL, lease_until = NULL
            WHERE id = ? AND lease_owner = ?""";

    private static final String FAIL_SYNTHESIS = """
            UPDATE insights.context_packs
            SET synthesis_attempts = synthesis_attempts + 1, last_error = ?, updated_at = now(),
                status = CASE WHEN ? OR synthesis_attempts + 1 >= ? THEN 'failed' ELSE status END,
                completed_at = CASE WHEN ? OR synthesis_attempts + 1 >= ? THEN now() END,
                lease_owner = NULL, lease_until = NULL
            WHERE id = ? AND lease_owner = ?
            RETURNING status""";

    private static final String RELEASE = """
            UPDATE insights.context_packs SET lease_owner = NULL, lease_until = NULL, updated_at = now()
            WHERE id = ? AND lease_owner = ?""";

    private static final String VIEW_PACK = """
            SELECT id, workspace_id, status, question, total_leads, processed_leads, failed_leads, cursor_position,
                   summary, last_error, created_at, updated_at, completed_at
            FROM insights.context_packs WHERE id = ? AND workspace_id = ?""";

    private static final String VIEW_LEADS = """
            SELECT l.lead_id, l.status, l.attempts, i.insight #>> '{}', l.last_error
            FROM insights.pack_leads l
            LEFT JOIN insights.lead_insights i ON i.pack_id = l.pack_id AND i.lead_id = l.lead_id
            WHERE l.pack_id = ? ORDER BY l.position""";

    private final JdbcUnits units;

    ContextPackStore(JdbcUnits units) {
        this.units = units;
    }

    /**
     * Creates a pack and its leads in one statement, or finds the pack its Idempotency-Key made. With a key the
     * statement is idempotent and retried as such; without one it runs as a transaction, so a lost COMMIT is never
     * blindly rerun into a second pack.
     */
    public Created create(DbRetry db, NewPack pack) {
        JdbcUnits.Sql<Created> work = c -> {
            try (PreparedStatement st = c.prepareStatement(CREATE)) {
                st.setObject(1, pack.workspaceId());
                st.setString(2, pack.question());
                st.setString(3, pack.idempotencyKey());
                st.setString(4, pack.requestHash());
                st.setInt(5, pack.leadIds().size());
                st.setArray(6, c.createArrayOf("bigint", pack.leadIds().toArray()));
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return new Created(rs.getLong(1), true, true);
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement(FIND_BY_KEY)) {
                st.setObject(1, pack.workspaceId());
                st.setString(2, pack.idempotencyKey());
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        throw new IllegalStateException("context pack neither created nor found by its key");
                    }
                    return new Created(rs.getLong(1), false, pack.requestHash().equals(rs.getString(2)));
                }
            }
        };
        return pack.idempotencyKey() == null ? units.transaction(db, "create-context-pack", work)
                : units.statement(db, "create-context-pack", work);
    }

    public @Nullable PackRow view(DbRetry db, UUID workspaceId, long id) {
        return units.statement(db, "view-context-pack", c -> {
            PackRow pack;
            try (PreparedStatement st = c.prepareStatement(VIEW_PACK)) {
                st.setLong(1, id);
                st.setObject(2, workspaceId);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    pack = new PackRow(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                            rs.getInt(5), rs.getInt(6), rs.getInt(7), rs.getInt(8), rs.getString(9),
                            rs.getString(10), JdbcUnits.instant(rs.getTimestamp(11)), JdbcUnits.instant(rs.getTimestamp(12)),
                            JdbcUnits.instant(rs.getTimestamp(13)), new ArrayList<>());
                }
            }
            try (PreparedStatement st = c.prepareStatement(VIEW_LEADS)) {
                st.setLong(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        pack.leads().add(new LeadRow(rs.getLong(1), rs.getString(2), rs.getInt(3), rs.getString(4),
                                rs.getString(5)));
                    }
                }
            }
            return pack;
        });
    }

    /** Claims at most {@code limit} open packs for {@code owner} until the lease runs out. */
    public List<ClaimedPack> claim(DbRetry db, int limit, Duration lease, UUID owner) {
        return units.statement(db, "claim-context-packs", c -> {
            try (PreparedStatement st = c.prepareStatement(CLAIM)) {
                st.setInt(1, limit);
                st.setObject(2, owner);
                st.setDouble(3, lease.toMillis() / 1000.0);
                try (ResultSet rs = st.executeQuery()) {
                    List<ClaimedPack> packs = new ArrayList<>();
                    while (rs.next()) {
                        packs.add(new ClaimedPack(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3),
                                rs.getInt(4)));
                    }
                    return packs;
                }
            }
        });
    }

    /** The next {@code batch} unsettled leads from the pack's cursor on. */
    public List<PendingLead> nextLeads(DbRetry db, long packId, int batch) {
        return units.statement(db, "load-context-pack-step", c -> {
            try (PreparedStatement st = c.prepareStatement(NEXT_LEADS)) {
                st.setLong(1, packId);
                st.setLong(2, packId);
                st.setInt(3, batch);
                try (ResultSet rs = st.executeQuery()) {
                    List<PendingLead> leads = new ArrayList<>();
                    while (rs.next()) {
                        leads.add(new PendingLead(rs.getInt(1), rs.getLong(2), rs.getInt(3)));
                    }
                    return leads;
                }
            }
        });
    }

    /** Stores a lead's insight and marks it done; false when the lease was lost or the lead was settled already. */
    public boolean writeInsight(DbRetry db, long packId, UUID owner, int position, String insight) {
        return units.statement(db, "write-lead-insight", c -> {
            try (PreparedStatement st = c.prepareStatement(WRITE_INSIGHT)) {
                st.setLong(1, packId);
                st.setObject(2, owner);
                st.setInt(3, position);
                st.setString(4, insight);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() && rs.getLong(1) == 1;
                }
            }
        });
    }

    /**
     * Records a failed attempt of a lead: it stays pending for a later step until {@code maxAttempts}, or fails at once
     * when {@code permanent}. Answers the lead's status, or null when the lease was lost.
     */
    public @Nullable String recordFailure(DbRetry db, long packId, UUID owner, int position, String error,
                                          boolean permanent, int maxAttempts) {
        return units.transaction(db, "record-lead-failure", c -> {
            try (PreparedStatement st = c.prepareStatement(RECORD_FAILURE)) {
                st.setLong(1, packId);
                st.setObject(2, owner);
                st.setString(3, error);
                st.setBoolean(4, permanent);
                st.setInt(5, maxAttempts);
                st.setInt(6, position);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    /**
     * Saves the cursor and progress after a step. The lease is released unless every lead is settled and
     * {@code keepForSynthesis}. Answers whether every lead is settled (false as well when the lease was lost).
     */
    public boolean saveStep(DbRetry db, long packId, UUID owner, boolean keepForSynthesis) {
        return units.statement(db, "save-context-pack-step", c -> {
            try (PreparedStatement st = c.prepareStatement(SAVE_STEP)) {
                st.setLong(1, packId);
                st.setBoolean(2, keepForSynthesis);
                st.setBoolean(3, keepForSynthesis);
                st.setLong(4, packId);
                st.setObject(5, owner);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() && rs.getBoolean(1);
                }
            }
        });
    }

    /** The pack's insights, in lead order. */
    public List<String> insights(DbRetry db, long packId) {
        return units.statement(db, "load-context-pack-insights", c -> {
            try (PreparedStatement st = c.prepareStatement(INSIGHTS)) {
                st.setLong(1, packId);
                try (ResultSet rs = st.executeQuery()) {
                    List<String> insights = new ArrayList<>();
                    while (rs.next()) {
                        insights.add(rs.getString(1));
                    }
                    return insights;
                }
            }
        });
    }

    /** Marks the pack complete with its synthesis and releases it; false when the lease was lost. */
    public boolean complete(DbRetry db, long packId, UUID owner, String synthesis) {
        return units.statement(db, "complete-context-pack", c -> {
            try (PreparedStatement st = c.prepareStatement(COMPLETE)) {
                st.setString(1, synthesis);
                st.setLong(2, packId);
                st.setObject(3, owner);
                return st.executeUpdate() == 1;
            }
        });
    }

    /** Records a failed synthesis and releases the pack; it fails for good when {@code permanent} or at the limit. */
    public @Nullable String failSynthesis(DbRetry db, long packId, UUID owner, String error, boolean permanent,
                                          int maxAttempts) {
        return units.transaction(db, "fail-context-pack-synthesis", c -> {
            try (PreparedStatement st = c.prepareStatement(FAIL_SYNTHESIS)) {
                st.setString(1, error);
                st.setBoolean(2, permanent);
                st.setInt(3, maxAttempts);
                st.setBoolean(4, permanent);
                st.setInt(5, maxAttempts);
                st.setLong(6, packId);
                st.setObject(7, owner);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? rs.getString(1) : null;
                }
            }
        });
    }

    public void release(DbRetry db, long packId, UUID owner) {
        units.statement(db, "release-context-pack", c -> {
            try (PreparedStatement st = c.prepareStatement(RELEASE)) {
                st.setLong(1, packId);
                st.setObject(2, owner);
                return st.executeUpdate();
            }
        });
    }
}
