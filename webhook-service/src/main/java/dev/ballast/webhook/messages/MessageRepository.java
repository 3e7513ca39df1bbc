package dev.ballast.webhook.messages;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface MessageRepository extends GenericRepository<Message, Long> {

    String COLUMNS = """
            id, workspace_id, lead_id, provider, external_id, channel, direction, event_type, subject, body,
            from_address, to_address, CAST(metadata AS text) AS metadata, sent_at, received_at""";

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
