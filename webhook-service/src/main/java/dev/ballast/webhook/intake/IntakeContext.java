package dev.ballast.webhook.intake;

import dev.ballast.webhook.workspace.WebhookCredential;
import dev.ballast.webhook.workspace.Workspace;
import io.micronaut.core.annotation.Nullable;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

/**
 * What authenticating and admitting a delivery needs from the database, read in ONE round trip that also sets the
 * transaction's statement timeout: whether the workspace exists and is active, its live credentials (by the
 * database's clock, newest first) and the provider-side accounts it accepts for the delivery's provider (checked
 * in memory once the body is parsed, so that authentication still comes before parsing).
 *
 * @param status   the workspace's status, null when there is no such workspace
 * @param accepted provider workspace ids the workspace accepts deliveries from, for this provider
 */
record IntakeContext(@Nullable String status, List<WebhookCredential> live, Set<String> accepted) {

    /**
     * Always one row at least (the LEFT JOINs hang off a one-row VALUES), so set_config runs even for an unknown
     * workspace: the delivery-log row written next runs under the delivery's statement timeout as well.
     */
    private static final String SQL = """
            SELECT set_config('statement_timeout', ?, true), w.status,
                   CASE WHEN w.id IS NOT NULL THEN ARRAY(
                       SELECT a.provider_workspace_id FROM webhook.workspace_provider_accounts a
                       WHERE a.workspace_id = w.id AND a.provider = ?) END AS accepted,
                   c.id, c.kind, c.secret_ciphertext, c.token_sha256, c.created_at, c.valid_until
            FROM (SELECT CAST(? AS uuid) AS id) q
            LEFT JOIN webhook.workspaces w ON w.id = q.id
            LEFT JOIN webhook.webhook_credentials c
                   ON c.workspace_id = w.id AND (c.valid_until IS NULL OR c.valid_until > now())
            ORDER BY c.id DESC""";

    boolean exists() {
        return status != null;
    }

    boolean active() {
        return Workspace.ACTIVE.equals(status);
    }

    static IntakeContext load(Connection connection, long statementTimeoutMs, @Nullable UUID workspaceId,
                              String provider) throws SQLException {
        try (PreparedStatement st = connection.prepareStatement(SQL)) {
            st.setString(1, statementTimeoutMs + "ms");
            st.setString(2, provider);
            st.setObject(3, workspaceId);
            String status = null;
            Set<String> accepted = Set.of();
            List<WebhookCredential> live = new ArrayList<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    status = rs.getString(2);
                    Array accounts = rs.getArray(3);
                    if (accounts != null) {
                        accepted = Set.of((String[]) accounts.getArray());
                    }
                    long id = rs.getLong(4);
                    if (!rs.wasNull()) {
                        live.add(new WebhookCredential(id, workspaceId, rs.getString(5), rs.getBytes(6), rs.getBytes(7),
                                instant(rs.getTimestamp(8)), instant(rs.getTimestamp(9))));
                    }
                }
            }
            return new IntakeContext(status, List.copyOf(live), accepted);
        }
    }

    private static @Nullable Instant instant(@Nullable Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
