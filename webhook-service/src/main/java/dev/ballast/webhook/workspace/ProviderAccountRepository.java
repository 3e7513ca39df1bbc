package dev.ballast.webhook.workspace;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.List;
import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface ProviderAccountRepository extends GenericRepository<Workspace, UUID> {

    @Query("DELETE FROM webhook.workspace_provider_accounts WHERE workspace_id = :workspaceId")
    int deleteAll(UUID workspaceId);

    @Query("""
            INSERT INTO webhook.workspace_provider_accounts (workspace_id, provider, provider_workspace_id)
            VALUES (:workspaceId, :provider, :providerWorkspaceId) ON CONFLICT DO NOTHING""")
    int insert(UUID workspaceId, String provider, String providerWorkspaceId);

    @Query("""
            SELECT provider, provider_workspace_id FROM webhook.workspace_provider_accounts
            WHERE workspace_id = :workspaceId ORDER BY provider, provider_workspace_id""")
    List<ProviderAccount> findAll(UUID workspaceId);
}
