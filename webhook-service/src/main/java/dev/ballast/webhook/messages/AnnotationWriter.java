package dev.ballast.webhook.messages;

import dev.ballast.resilience.db.JdbcRunner;
import jakarta.inject.Singleton;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Writes a message's annotations in one statement that also checks the message is the workspace's; answers each
 * kind as stored. A new or changed value comes back from the write; an unchanged one (left as it is, its
 * {@code updated_at} too) from the row already there.
 */
@Singleton
final class AnnotationWriter {

    private static final String WRITE = """
            WITH m AS (
                SELECT id FROM webhook.messages WHERE id = ? AND workspace_id = ?),
            v AS (
                SELECT k, CAST(val AS jsonb) AS value FROM unnest(CAST(? AS text[]), CAST(? AS text[])) AS t(k, val)),
            written AS (
                INSERT INTO webhook.message_annotations (message_id, kind, workspace_id, value)
                SELECT m.id, v.k, ?, v.value FROM m CROSS JOIN v
                ON CONFLICT (message_id, kind) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
                WHERE message_annotations.value IS DISTINCT FROM EXCLUDED.value
                RETURNING kind, CAST(value AS text) AS value, updated_at)
            SELECT kind, value, updated_at FROM written
            UNION ALL
            SELECT a.kind, CAST(a.value AS text), a.updated_at
            FROM webhook.message_annotations a JOIN m ON a.message_id = m.id
            WHERE a.kind = ANY (CAST(? AS text[])) AND a.kind NOT IN (SELECT kind FROM written)""";

    private final JdbcRunner jdbc;

    AnnotationWriter(JdbcRunner jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Writes {@code values} (kind to JSON text) as one retried statement. Fewer rows than kinds: the message is not
     * the workspace's (none at all), or another writer inserted one of the kinds with the same value after this
     * statement's snapshot began, so that row is not visible to it; the same statement run again sees it.
     */
    Map<String, AnnotationRow> write(long messageId, UUID workspaceId, Map<String, String> values) {
        return jdbc.statement("message-annotate", c -> run(c, messageId, workspaceId, values));
    }

    private static Map<String, AnnotationRow> run(Connection c, long messageId, UUID workspaceId,
                                                  Map<String, String> values) throws SQLException {
        String[] kinds = values.keySet().toArray(String[]::new);
        try (var st = c.prepareStatement(WRITE)) {
            st.setLong(1, messageId);
            st.setObject(2, workspaceId);
            st.setArray(3, c.createArrayOf("text", kinds));
            st.setArray(4, c.createArrayOf("text", values.values().toArray(String[]::new)));
            st.setObject(5, workspaceId);
            st.setArray(6, c.createArrayOf("text", kinds));
            Map<String, AnnotationRow> out = new LinkedHashMap<>();
            try (var rs = st.executeQuery()) {
                while (rs.next()) {
                    Timestamp at = rs.getTimestamp(3);
                    out.put(rs.getString(1), new AnnotationRow(rs.getString(1), rs.getString(2), at.toInstant()));
                }
            }
            return out;
        }
    }
}
