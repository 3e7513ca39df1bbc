package dev.ballast.webhook.outbox;

import dev.ballast.resilience.db.JdbcRunner;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * The relay's SQL. Every method is one autocommit statement on its own short-lived connection: no connection or
 * transaction is held while a row is being sent. Claims take rows with {@code FOR UPDATE SKIP LOCKED} and push
 * their {@code next_attempt_at} past the lease, so concurrent replicas never claim the same row while its lease
 * runs; every later write is guarded by the claim's token or by {@code delivered_at IS NULL}.
 */
@Singleton
final class OutboxLeases {

    /** A claimed row; {@code wasDue} is its {@code next_attempt_at} before the claim, restored on release. */
    record Claimed(long id, UUID workspaceId, String jobType, String dedupeKey, String payload, int attempts,
                   Instant wasDue, UUID token) {
    }

    /** Undelivered, unparked rows and the creation time of the oldest (null when there is none). */
    record Depth(long rows, @Nullable Instant oldest) {
    }

    private final JdbcRunner jdbc;

    OutboxLeases(JdbcRunner jdbc) {
        this.jdbc = jdbc;
    }

    List<Claimed> claim(int limit, Duration lease) {
        UUID token = UUID.randomUUID();
        // Rerunning after a lost connection is harmless: rows claimed by the lost run come back when its lease ends.
        List<Claimed> rows = jdbc.list("outbox-claim", """
                WITH due AS (
                    SELECT id, next_attempt_at FROM webhook.outbox
                    WHERE delivered_at IS NULL AND parked_at IS NULL AND next_attempt_at <= now()
                    ORDER BY next_attempt_at
                    LIMIT ?
                    FOR UPDATE SKIP LOCKED)
                UPDATE webhook.outbox o
                SET next_attempt_at = now() + make_interval(secs => ?), lease_token = ?
                FROM due WHERE o.id = due.id
                RETURNING o.id, o.workspace_id, o.job_type, o.dedupe_key, o.payload::text, o.attempts,
                          due.next_attempt_at""", st -> {
            st.setInt(1, limit);
            st.setDouble(2, lease.toMillis() / 1000.0);
            st.setObject(3, token);
        }, rs -> new Claimed(rs.getLong(1), rs.getObject(2, UUID.class), rs.getString(3), rs.getString(4),
                rs.getString(5), rs.getInt(6), rs.getTimestamp(7).toInstant(), token));
        rows.sort((a, b) -> a.wasDue().compareTo(b.wasDue()));
        return rows;
    }

    /** Sets delivered_at once; whoever holds the lease now, a job that jobs-service accepted is delivered. */
    void markDelivered(Claimed row) {
        markDelivered(List.of(row));
    }

    /** {@link #markDelivered(Claimed)} for a whole batch in one statement (one round trip per batch). */
    void markDelivered(List<Claimed> rows) {
        if (rows.isEmpty()) {
            return;
        }
        Long[] ids = rows.stream().map(Claimed::id).toArray(Long[]::new);
        jdbc.update("outbox-delivered", """
                UPDATE webhook.outbox SET delivered_at = now(), last_error = NULL, lease_token = NULL
                WHERE id = ANY (?) AND delivered_at IS NULL""",
                st -> st.setArray(1, st.getConnection().createArrayOf("bigint", ids)));
    }

    /** One more failed attempt; idempotent (attempts is set, not incremented) and only while we hold the lease. */
    void recordFailure(Claimed row, String error, Duration delay) {
        jdbc.update("outbox-failed", """
                UPDATE webhook.outbox
                SET attempts = ?, last_error = ?, next_attempt_at = now() + make_interval(secs => ?), lease_token = NULL
                WHERE id = ? AND lease_token = ? AND delivered_at IS NULL""", st -> {
            st.setInt(1, row.attempts() + 1);
            st.setString(2, error);
            st.setDouble(3, delay.toMillis() / 1000.0);
            st.setLong(4, row.id());
            st.setObject(5, row.token());
        });
    }

    /** jobs-service refused the job for good: keep the row, stop claiming it. */
    void park(Claimed row, String error) {
        jdbc.update("outbox-parked", """
                UPDATE webhook.outbox
                SET attempts = ?, last_error = ?, parked_at = now(), lease_token = NULL
                WHERE id = ? AND lease_token = ? AND delivered_at IS NULL""", st -> {
            st.setInt(1, row.attempts() + 1);
            st.setString(2, error);
            st.setLong(3, row.id());
            st.setObject(4, row.token());
        });
    }

    /** A claimed row that was not sent: due again as it was, its attempts untouched. */
    void release(Claimed row) {
        jdbc.update("outbox-release", """
                UPDATE webhook.outbox SET next_attempt_at = ?, lease_token = NULL
                WHERE id = ? AND lease_token = ? AND delivered_at IS NULL""", st -> {
            st.setTimestamp(1, Timestamp.from(row.wasDue()));
            st.setLong(2, row.id());
            st.setObject(3, row.token());
        });
    }

    Depth depth() {
        return jdbc.query("outbox-depth", """
                SELECT count(*), min(created_at) FROM webhook.outbox
                WHERE delivered_at IS NULL AND parked_at IS NULL""", JdbcRunner.Binder.NONE, rs -> {
            rs.next();
            Timestamp oldest = rs.getTimestamp(2);
            return new Depth(rs.getLong(1), oldest == null ? null : oldest.toInstant());
        });
    }
}
