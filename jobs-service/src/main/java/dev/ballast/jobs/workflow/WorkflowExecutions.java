package dev.ballast.jobs.workflow;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.ballast.resilience.db.DbRetry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.UUID;

/**
 * Workflow executions, deduplicated by (workflow, workspace, SHA-256 of the canonical trigger) within a sliding
 * window: a trigger equal to one whose execution started less than {@code dedupe-window} ago gets that execution
 * (running, or finished with its result); otherwise a new one starts.
 *
 * <p>Race safety: the lookup and the insert run in one transaction under a transaction-scoped advisory lock on the
 * key, so concurrent duplicates queue up and every one after the first finds the first's committed row (READ
 * COMMITTED: each statement sees what committed before it). A unique index on a window bucket was the alternative,
 * but fixed buckets split duplicates that straddle a bucket edge (12:59:59 and 13:00:01 would be two executions);
 * the lock keeps the window exact and sliding. It is transaction-scoped, so it also works through PgBouncer in
 * transaction mode, and it is released by COMMIT/ROLLBACK or a dropped connection, never leaked.
 */
@Singleton
public final class WorkflowExecutions {

    /** Advisory-lock namespace (first key of the two-int form) of workflow triggers: "WFLW". */
    static final int LOCK_NAMESPACE = 0x57464C57;

    private static final String COLUMNS = "id, workflow_id, workspace_id, trigger_hash, status, result::text, created_at, finished_at";

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Execution(long id, String workflowId, UUID workspaceId, String triggerHash, String status,
                            @Nullable JsonNode result, Instant createdAt, @Nullable Instant finishedAt) {
    }

    /** {@code created}: a new execution; otherwise the duplicate's existing one. */
    public record Started(Execution execution, boolean created) {
    }

    /** What recording a result found. */
    public sealed interface Completion {
        record Recorded(Execution execution) implements Completion {
        }

        /** Finished before with another status or result. */
        record Conflict(Execution execution) implements Completion {
        }

        record Missing() implements Completion {
        }
    }

    private final TransactionOperations<Connection> tx;
    private final DbRetry retry;
    private final JsonMapper json;
    private final WorkflowSettings settings;
    private final Clock clock;

    WorkflowExecutions(TransactionOperations<Connection> tx, DbRetry retry, JsonMapper json, WorkflowSettings settings,
                       Clock clock) {
        this.tx = tx;
        this.retry = retry;
        this.json = json;
        this.settings = settings;
        this.clock = clock;
    }

    public Started start(String workflowId, UUID workspace, JsonNode trigger) {
        String hash = TriggerHash.of(trigger);
        return retry.transaction("workflow-start", tx, status -> {
            Connection c = status.getConnection();
            Instant now = clock.instant();
            try (PreparedStatement st = c.prepareStatement("SELECT pg_advisory_xact_lock(?, ?)")) {
                st.setInt(1, LOCK_NAMESPACE);
                st.setInt(2, lockKey(workflowId, workspace, hash));
                st.execute();
            }
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS + """
                     FROM jobs.workflow_executions
                    WHERE workflow_id = ? AND trigger_hash = ? AND workspace_id = ? AND created_at > ?
                    ORDER BY created_at DESC LIMIT 1""")) {
                st.setString(1, workflowId);
                st.setString(2, hash);
                st.setObject(3, workspace);
                st.setTimestamp(4, Timestamp.from(now.minus(settings.dedupeWindow())));
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return new Started(execution(rs), false);
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO jobs.workflow_executions (workflow_id, trigger_hash, workspace_id, created_at)
                    VALUES (?, ?, ?, ?) RETURNING\s""" + COLUMNS)) {
                st.setString(1, workflowId);
                st.setString(2, hash);
                st.setObject(3, workspace);
                st.setTimestamp(4, Timestamp.from(now));
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return new Started(execution(rs), true);
                }
            }
        });
    }

    /**
     * Records how a running execution ended. Recording the same ending again answers it unchanged (safe to retry);
     * a different ending for a finished execution is a conflict.
     */
    public Completion complete(String workflowId, UUID workspace, long id, ExecutionEnd end, @Nullable JsonNode result) {
        String resultText = result == null ? null : text(result);
        return retry.transaction("workflow-complete", tx, s -> {
            Connection c = s.getConnection();
            try (PreparedStatement st = c.prepareStatement("""
                    UPDATE jobs.workflow_executions SET status = ?, result = CAST(? AS jsonb), finished_at = ?
                    WHERE id = ? AND workflow_id = ? AND workspace_id = ? AND status = 'running'
                    RETURNING\s""" + COLUMNS)) {
                st.setString(1, end.column());
                st.setString(2, resultText);
                st.setTimestamp(3, Timestamp.from(clock.instant()));
                st.setLong(4, id);
                st.setString(5, workflowId);
                st.setObject(6, workspace);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return new Completion.Recorded(execution(rs));
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement("SELECT " + COLUMNS
                    + ", status = ? AND result IS NOT DISTINCT FROM CAST(? AS jsonb)"
                    + " FROM jobs.workflow_executions WHERE id = ? AND workflow_id = ? AND workspace_id = ?")) {
                st.setString(1, end.column());
                st.setString(2, resultText);
                st.setLong(3, id);
                st.setString(4, workflowId);
                st.setObject(5, workspace);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return new Completion.Missing();
                    }
                    Execution e = execution(rs);
                    return rs.getBoolean(9) ? new Completion.Recorded(e) : new Completion.Conflict(e);
                }
            }
        });
    }

    private Execution execution(ResultSet rs) throws SQLException {
        String result = rs.getString(6);
        Timestamp finished = rs.getTimestamp(8);
        return new Execution(rs.getLong(1), rs.getString(2), rs.getObject(3, UUID.class), rs.getString(4),
                rs.getString(5), result == null ? null : parse(result), rs.getTimestamp(7).toInstant(),
                finished == null ? null : finished.toInstant());
    }

    static int lockKey(String workflowId, UUID workspace, String hash) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(
                    (workflowId + "\n" + workspace + "\n" + hash).getBytes(StandardCharsets.UTF_8));
            return (d[0] & 0xff) << 24 | (d[1] & 0xff) << 16 | (d[2] & 0xff) << 8 | (d[3] & 0xff);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    private JsonNode parse(String text) {
        try {
            return json.readValue(text, JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException("stored JSON does not parse", e);
        }
    }

    private String text(JsonNode node) {
        try {
            return json.writeValueAsString(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
