package dev.ballast.webhook.outbox;

import dev.ballast.resilience.db.JdbcRunner;
import dev.ballast.webhook.outbox.OutboxAdminApi.OutboxRowView;
import dev.ballast.webhook.outbox.OutboxAdminApi.ParkedPage;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;
import java.util.UUID;

/**
 * Parked outbox rows for an operator: list them, and send one again. Every call is one autocommit statement
 * (or two for a refused retry) through {@link DbRetry}.
 */
@Singleton
final class OutboxAdministration {

    private static final Logger LOG = LoggerFactory.getLogger(OutboxAdministration.class);
    private static final String COLUMNS = """
            id, workspace_id, message_id, job_type, dedupe_key, attempts, last_error, parked_at, next_attempt_at, \
            created_at""";

    /** What a retry did. */
    sealed interface Retry {
        record Done(OutboxRowView row) implements Retry {
        }

        record Missing() implements Retry {
        }

        /** The row is not parked: {@code state} is {@code delivered} or {@code pending}. */
        record Refused(String state) implements Retry {
        }
    }

    private final JdbcRunner jdbc;

    OutboxAdministration(JdbcRunner jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Parked rows with an id above {@code afterId}, oldest first. No index serves {@code parked_at}: the walk goes
     * along the primary key, over a table the pruner keeps to the retention.
     */
    ParkedPage parked(@Nullable UUID workspace, long afterId, int limit) {
        String sql = "SELECT " + COLUMNS + " FROM webhook.outbox WHERE parked_at IS NOT NULL AND delivered_at IS NULL"
                + " AND id > ?" + (workspace == null ? "" : " AND workspace_id = ?") + " ORDER BY id LIMIT ?";
        List<OutboxRowView> rows = jdbc.list("outbox-admin-parked", sql, st -> {
            int i = 0;
            st.setLong(++i, afterId);
            if (workspace != null) {
                st.setObject(++i, workspace);
            }
            st.setInt(++i, limit + 1);
        }, OutboxAdministration::row);
        List<OutboxRowView> items = rows.subList(0, Math.min(limit, rows.size()));
        return new ParkedPage(List.copyOf(items), rows.size() > limit ? items.getLast().id() : null);
    }

    /**
     * A parked row due again now, with a fresh attempt count and its dedupe key unchanged, so jobs-service still
     * dedupes it. Only a parked row changes: of two retries at once, the second finds it pending and is refused.
     */
    Retry retry(long id) {
        // A conditional statement: rerun after a lost connection, it finds the row pending and refuses.
        Retry outcome = jdbc.statement("outbox-admin-retry", c -> {
            try (PreparedStatement st = c.prepareStatement("""
                    UPDATE webhook.outbox
                    SET parked_at = NULL, next_attempt_at = now(), attempts = 0, lease_token = NULL
                    WHERE id = ? AND parked_at IS NOT NULL AND delivered_at IS NULL
                    RETURNING\s""" + COLUMNS)) {
                st.setLong(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return new Retry.Done(row(rs));
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement(
                    "SELECT delivered_at IS NOT NULL FROM webhook.outbox WHERE id = ?")) {
                st.setLong(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? new Retry.Refused(rs.getBoolean(1) ? "delivered" : "pending")
                            : new Retry.Missing();
                }
            }
        });
        if (outcome instanceof Retry.Done(OutboxRowView row)) {
            LOG.info("outbox row {} unparked by admin, due now: job_type={} workspace={}", row.id(), row.jobType(),
                    row.workspaceId());
        }
        return outcome;
    }

    private static OutboxRowView row(ResultSet rs) throws SQLException {
        Timestamp parkedAt = rs.getTimestamp(8);
        return new OutboxRowView(rs.getLong(1), rs.getObject(2, UUID.class), rs.getLong(3), rs.getString(4),
                rs.getString(5), rs.getInt(6), rs.getString(7), parkedAt == null ? null : parkedAt.toInstant(),
                rs.getTimestamp(9).toInstant(), rs.getTimestamp(10).toInstant());
    }
}
