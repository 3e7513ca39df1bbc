package dev.ballast.webhook.messages;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface AnnotationRepository extends GenericRepository<Message, Long> {

    /** Sets the annotation; writing the value it already has changes nothing, not even updated_at. */
    @Query("""
            INSERT INTO webhook.message_annotations (message_id, kind, workspace_id, value)
            VALUES (:messageId, :kind, :workspaceId, CAST(:value AS jsonb))
            ON CONFLICT (message_id, kind) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
            WHERE message_annotations.value IS DISTINCT FROM EXCLUDED.value""")
    int upsert(long messageId, String kind, UUID workspaceId, String value);

    @Query("""
            SELECT kind, CAST(value AS text) AS value, updated_at FROM webhook.message_annotations
            WHERE message_id = :messageId AND workspace_id = :workspaceId ORDER BY kind""")
    List<AnnotationRow> findAll(long messageId, UUID workspaceId);

    @Query("""
            SELECT kind, CAST(value AS text) AS value, updated_at FROM webhook.message_annotations
            WHERE message_id = :messageId AND kind = :kind AND workspace_id = :workspaceId""")
    Optional<AnnotationRow> find(long messageId, String kind, UUID workspaceId);
}
