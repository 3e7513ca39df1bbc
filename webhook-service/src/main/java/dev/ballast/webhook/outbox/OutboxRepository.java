package dev.ballast.webhook.outbox;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface OutboxRepository extends GenericRepository<OutboxRow, Long> {

    /** 1 when added, 0 when a row with this dedupe key exists already. */
    @Query("""
            INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload)
            VALUES (:workspaceId, :messageId, :jobType, :dedupeKey, CAST(:payload AS jsonb))
            ON CONFLICT (dedupe_key) DO NOTHING""")
    int insertIfAbsent(UUID workspaceId, long messageId, String jobType, String dedupeKey, String payload);
}
