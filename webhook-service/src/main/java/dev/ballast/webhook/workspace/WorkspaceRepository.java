package dev.ballast.webhook.workspace;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.Optional;
import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface WorkspaceRepository extends GenericRepository<Workspace, UUID> {

    @Query("INSERT INTO webhook.workspaces (id, name) VALUES (:id, :name)")
    void insert(UUID id, String name);

    @Query("SELECT id, name, status, created_at, updated_at FROM webhook.workspaces WHERE id = :id")
    Optional<Workspace> find(UUID id);

    @Query("UPDATE webhook.workspaces SET status = :status, updated_at = now() WHERE id = :id")
    int setStatus(UUID id, String status);
}
