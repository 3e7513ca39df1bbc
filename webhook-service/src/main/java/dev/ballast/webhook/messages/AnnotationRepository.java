package dev.ballast.webhook.messages;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.List;
import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface AnnotationRepository extends GenericRepository<Message, Long> {

    @Query("""
            SELECT kind, CAST(value AS text) AS value, updated_at FROM webhook.message_annotations
            WHERE message_id = :messageId AND workspace_id = :workspaceId ORDER BY kind""")
    List<AnnotationRow> findAll(long messageId, UUID workspaceId);
}
