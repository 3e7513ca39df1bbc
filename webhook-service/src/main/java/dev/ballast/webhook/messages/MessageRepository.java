package dev.ballast.webhook.messages;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface MessageRepository extends GenericRepository<Message, Long> {

    String COLUMNS = """
            id, workspace_id, lead_id, provider, external_id, channel, direction, event_type, subject, body,
            from_address, to_address, CAST(metadata AS text) AS metadata, sent_at, received_at""";

    /**
     * Inserts unless the (workspace, provider, external id) is already stored; 1 when inserted, 0 when not.
     * A row count rather than {@code RETURNING id}: Micronaut Data answers null, not empty, for a RETURNING
     * that returned nothing.
     */
    @Query("""
            INSERT INTO webhook.messages (workspace_id, lead_id, provider, external_id, channel, direction,
                                          event_type, subject, body, from_address, to_address, metadata, sent_at)
            VALUES (:workspaceId, :leadId, :provider, :externalId, :channel, :direction, :eventType, :subject,
                    :body, :fromAddress, :toAddress, CAST(:metadata AS jsonb), :sentAt)
            ON CONFLICT (workspace_id, provider, external_id) DO NOTHING""")
    int insertIfAbsent(UUID workspaceId, long leadId, String provider, String externalId, String channel,
                       String direction, String eventType, @Nullable String subject, @Nullable String body,
                       @Nullable String fromAddress, @Nullable String toAddress, String metadata,
                       @Nullable Instant sentAt);

    @Query("""
            SELECT id FROM webhook.messages
            WHERE workspace_id = :workspaceId AND provider = :provider AND external_id = :externalId""")
    Optional<Long> findId(UUID workspaceId, String provider, String externalId);

    @Query("SELECT " + COLUMNS + " FROM webhook.messages WHERE id = :id AND workspace_id = :workspaceId")
    Optional<Message> find(long id, UUID workspaceId);

    @Query("SELECT " + COLUMNS + """
             FROM webhook.messages
            WHERE workspace_id = :workspaceId AND lead_id = :leadId AND id > :afterId
            ORDER BY id LIMIT :limit""")
    List<Message> findByLead(UUID workspaceId, long leadId, long afterId, int limit);
}
