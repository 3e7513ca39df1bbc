package dev.ballast.webhook.deliverylog;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.time.Instant;
import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface DeliveryRepository extends GenericRepository<Delivery, Long> {

    @Query("""
            INSERT INTO webhook.webhook_deliveries (workspace_id, webhook_id, provider, event_type, outcome, reason,
                                                    http_status, body_bytes, message_id)
            VALUES (:workspaceId, :webhookId, :provider, :eventType, :outcome, :reason, :httpStatus, :bodyBytes,
                    :messageId)""")
    void insert(@Nullable UUID workspaceId, @Nullable String webhookId, String provider, @Nullable String eventType,
                String outcome, @Nullable String reason, int httpStatus, int bodyBytes, @Nullable Long messageId);

    /** Deletes one batch of rows older than the cutoff; rows another replica is deleting are skipped. */
    @Query("""
            DELETE FROM webhook.webhook_deliveries WHERE id IN (
                SELECT id FROM webhook.webhook_deliveries WHERE received_at < :cutoff
                ORDER BY id LIMIT :batchSize FOR UPDATE SKIP LOCKED)""")
    int deleteOlderThan(Instant cutoff, int batchSize);
}
