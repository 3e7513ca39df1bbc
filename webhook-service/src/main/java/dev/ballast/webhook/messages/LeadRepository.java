package dev.ballast.webhook.messages;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface LeadRepository extends GenericRepository<Lead, Long> {

    /**
     * Fills in what a delivery newly tells about a lead. Touches (and locks) the row only when something
     * changes, so that redeliveries racing each other do not queue on the lead.
     */
    @Query("""
            UPDATE webhook.leads
            SET email = COALESCE(:email, email), phone = COALESCE(:phone, phone), name = COALESCE(:name, name),
                provider_lead_id = COALESCE(:providerLeadId, provider_lead_id), updated_at = now()
            WHERE id = :id
              AND (email IS DISTINCT FROM COALESCE(:email, email) OR phone IS DISTINCT FROM COALESCE(:phone, phone)
                   OR name IS DISTINCT FROM COALESCE(:name, name)
                   OR provider_lead_id IS DISTINCT FROM COALESCE(:providerLeadId, provider_lead_id))""")
    int refresh(long id, @Nullable String email, @Nullable String phone, @Nullable String name,
                @Nullable String providerLeadId);

    @Query("SELECT EXISTS (SELECT 1 FROM webhook.leads WHERE id = :id AND workspace_id = :workspaceId)")
    boolean exists(long id, UUID workspaceId);
}
