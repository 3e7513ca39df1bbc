package dev.ballast.integrations.answers;

import dev.ballast.integrations.credentials.CredentialStore;
import dev.ballast.integrations.providers.Provider;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.http.Deadline;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.jdbc.DataSourceResolver;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Arrays;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * The record of every POST operation under (workspace, operation, Idempotency-Key), written before the provider is
 * called: the insert that creates the row is the claim, so of any number of requests with one key, on any number of
 * replicas, exactly one calls the provider. The others wait for its answer (or get 409 when it takes longer than
 * {@code in-flight-wait}); a key reused with another body gets 422.
 */
@Singleton
public final class StoredAnswers {

    /** What a request's claim on its key came to. */
    public sealed interface Claim {
        /**
         * This request calls the provider and must {@link #finish} (or {@link #release}) with {@code token}; the
         * provider's credentials and health, read by the same statement, are in {@code credentials}.
         */
        record Claimed(UUID token, CredentialStore.Stored credentials) implements Claim {
        }

        /** Another request's answer, to be given as it is. */
        record Answered(StoredAnswer answer) implements Claim {
        }
    }

    private static final long FIRST_POLL_MS = 10;
    private static final long MAX_POLL_MS = 200;

    private final DataSource dataSource;
    private final DbRetry retry;
    private final AnswerSettings settings;

    StoredAnswers(DataSource dataSource, @Nullable DataSourceResolver resolver, DbRetry retry, AnswerSettings settings) {
        this.dataSource = (resolver == null ? DataSourceResolver.DEFAULT : resolver).resolve(dataSource);
        this.retry = retry;
        this.settings = settings;
    }

    /**
     * Claims the key for this request, or answers with the stored answer. A row in flight is waited for (polling,
     * at most {@code in-flight-wait} and never past the request's deadline); an expired row, or a reusable one with
     * the same body, is claimed again. A claim also reads {@code provider}'s credentials and health for the workspace:
     * one round trip where a claim and a lookup would take two.
     */
    public Claim claim(UUID workspace, String operation, String key, byte[] requestHash, Provider provider)
            throws SQLException {
        long waitUntil = System.nanoTime() + settings.inFlightWait().toNanos();
        long remaining = Deadline.current().map(Deadline::remainingMillis).orElse(Long.MAX_VALUE);
        if (remaining < Long.MAX_VALUE) {
            // leave room to answer before the caller's deadline
            waitUntil = Math.min(waitUntil, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(Math.max(0, remaining - 250)));
        }
        long poll = FIRST_POLL_MS;
        while (true) {
            UUID token = UUID.randomUUID();
            Row row = tryClaim(workspace, operation, key, requestHash, token, provider);
            if (row == null) {
                // pruned between the insert and the read: claim again
                continue;
            }
            if (token.equals(row.token()) && "IN_FLIGHT".equals(row.state())) {
                return new Claim.Claimed(token, row.credentials());
            }
            if (!Arrays.equals(requestHash, row.hash())) {
                throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, "idempotency_key_reused",
                        "this Idempotency-Key was used with a different request body");
            }
            if (!"IN_FLIGHT".equals(row.state())) {
                return new Claim.Answered(row.answer());
            }
            if (System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(poll) > waitUntil) {
                throw new ProblemException(HttpStatus.CONFLICT, "idempotency_key_in_flight",
                        "a request with this Idempotency-Key is still being processed; repeat it later");
            }
            try {
                Thread.sleep(poll);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "interrupted", "the request was interrupted");
            }
            poll = Math.min(MAX_POLL_MS, poll * 2);
        }
    }

    /** Stores the answer of the claim {@code token}; a row someone else holds is left alone. */
    public void finish(UUID workspace, String operation, String key, UUID token, StoredAnswer answer)
            throws SQLException {
        retry.statement("answer-finish", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    UPDATE integrations.stored_answers
                       SET state = ?, http_status = ?, body = ?, outcome = ?, abort_class = ?, retry_after_s = ?,
                           updated_at = now()
                     WHERE workspace_id = ? AND operation = ? AND idempotency_key = ? AND claim_token = ?
                       AND state = 'IN_FLIGHT'""")) {
                st.setString(1, answer.reusable() ? "RETRYABLE" : "DONE");
                st.setInt(2, answer.status());
                st.setString(3, answer.body());
                st.setString(4, answer.outcome());
                st.setString(5, answer.abortClass());
                if (answer.retryAfterSeconds() == null) {
                    st.setNull(6, Types.INTEGER);
                } else {
                    st.setInt(6, answer.retryAfterSeconds());
                }
                st.setObject(7, workspace);
                st.setString(8, operation);
                st.setString(9, key);
                st.setObject(10, token);
                return st.executeUpdate();
            }
        });
    }

    /** Gives the key up without an answer (nothing was called: the call was skipped); the next request claims it. */
    public void release(UUID workspace, String operation, String key, UUID token) throws SQLException {
        retry.statement("answer-release", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    DELETE FROM integrations.stored_answers
                     WHERE workspace_id = ? AND operation = ? AND idempotency_key = ? AND claim_token = ?
                       AND state = 'IN_FLIGHT'""")) {
                st.setObject(1, workspace);
                st.setString(2, operation);
                st.setString(3, key);
                st.setObject(4, token);
                return st.executeUpdate();
            }
        });
    }

    /** Deletes up to {@code batch} expired rows; answers how many went. */
    public int pruneExpired(int batch) throws SQLException {
        return retry.statement("answer-prune", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    DELETE FROM integrations.stored_answers WHERE ctid IN (
                        SELECT ctid FROM integrations.stored_answers
                        WHERE expires_at < now() AND state <> 'IN_FLIGHT'
                        LIMIT ? FOR UPDATE SKIP LOCKED)""")) {
                st.setInt(1, batch);
                return st.executeUpdate();
            }
        });
    }

    /**
     * One statement: insert the row as ours, or take over an expired or reusable (same body) one; then read what is
     * there, and when the row is ours, the provider's credentials and health too. The conflict clause locks the row,
     * so two requests taking over one row serialise and the second sees the first's claim.
     */
    private @Nullable Row tryClaim(UUID workspace, String operation, String key, byte[] hash, UUID token,
                                   Provider provider) throws SQLException {
        return retry.statement("answer-claim", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    WITH claimed AS (
                        INSERT INTO integrations.stored_answers AS s
                               (workspace_id, operation, idempotency_key, request_hash, state, claim_token, expires_at)
                        VALUES (?, ?, ?, ?, 'IN_FLIGHT', ?, now() + make_interval(secs => ?))
                        ON CONFLICT (workspace_id, operation, idempotency_key) DO UPDATE
                           SET request_hash = EXCLUDED.request_hash, state = 'IN_FLIGHT', http_status = NULL,
                               body = NULL, outcome = NULL, abort_class = NULL, retry_after_s = NULL,
                               claim_token = EXCLUDED.claim_token, calls = s.calls + 1, updated_at = now(),
                               expires_at = EXCLUDED.expires_at
                         WHERE s.expires_at < now()
                            OR (s.state = 'RETRYABLE' AND s.request_hash = EXCLUDED.request_hash)
                        RETURNING claim_token),
                    lookup AS (""" + CredentialStore.LOOKUP_SQL + """
                    )
                    SELECT claim_token, 'IN_FLIGHT', ?::bytea, NULL::int, NULL, NULL, NULL, NULL::int, lookup.*
                      FROM claimed CROSS JOIN lookup
                    UNION ALL
                    SELECT claim_token, state, request_hash, http_status, body, outcome, abort_class, retry_after_s,
                           NULL::bytea, NULL, NULL, NULL, NULL, NULL, NULL::int, NULL::timestamptz
                      FROM integrations.stored_answers
                     WHERE workspace_id = ? AND operation = ? AND idempotency_key = ?
                       AND NOT EXISTS (SELECT 1 FROM claimed)""")) {
                st.setObject(1, workspace);
                st.setString(2, operation);
                st.setString(3, key);
                st.setBytes(4, hash);
                st.setObject(5, token);
                st.setDouble(6, settings.retention().toMillis() / 1000.0);
                st.setObject(7, workspace);
                st.setString(8, provider.id());
                st.setBytes(9, hash);
                st.setObject(10, workspace);
                st.setString(11, operation);
                st.setString(12, key);
                try (ResultSet rs = st.executeQuery()) {
                    if (!rs.next()) {
                        return null;
                    }
                    int status = rs.getInt(4);
                    Integer retryAfter = rs.getObject(8) == null ? null : rs.getInt(8);
                    String state = rs.getString(2);
                    return new Row(rs.getObject(1, UUID.class), state, rs.getBytes(3),
                            new StoredAnswer(status, rs.getString(5), rs.getString(6), rs.getString(7), retryAfter,
                                    "RETRYABLE".equals(state)), CredentialStore.stored(rs, 9));
                }
            }
        });
    }

    /** A claim's row; {@code credentials} means something only when the row is the one this request inserted. */
    private record Row(UUID token, String state, byte[] hash, StoredAnswer answer, CredentialStore.Stored credentials) {
    }
}
