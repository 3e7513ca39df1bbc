package dev.ballast.webhook.workspace;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;

import java.util.List;
import java.util.UUID;

@JdbcRepository(dialect = Dialect.POSTGRES)
public interface WebhookCredentialRepository extends GenericRepository<WebhookCredential, Long> {

    /** Credentials that are valid now, by the database's clock so that every replica agrees. */
    @Query("""
            SELECT id, workspace_id, kind, secret_ciphertext, token_sha256, created_at, valid_until
            FROM webhook.webhook_credentials
            WHERE workspace_id = :workspaceId AND (valid_until IS NULL OR valid_until > now())
            ORDER BY id DESC""")
    List<WebhookCredential> findLive(UUID workspaceId);

    @Query("""
            INSERT INTO webhook.webhook_credentials (workspace_id, kind, secret_ciphertext)
            VALUES (:workspaceId, 'signing_secret', :ciphertext)""")
    void insertSigningSecret(UUID workspaceId, byte[] ciphertext);

    @Query("""
            INSERT INTO webhook.webhook_credentials (workspace_id, kind, token_sha256)
            VALUES (:workspaceId, 'intake_token', :tokenSha256)""")
    void insertIntakeToken(UUID workspaceId, byte[] tokenSha256);

    /** Lets the live credentials of one kind expire after the grace period (never extends an earlier expiry). */
    @Query("""
            UPDATE webhook.webhook_credentials
            SET valid_until = now() + make_interval(secs => :graceSeconds)
            WHERE workspace_id = :workspaceId AND kind = :kind
              AND (valid_until IS NULL OR valid_until > now() + make_interval(secs => :graceSeconds))""")
    int retireLive(UUID workspaceId, String kind, double graceSeconds);
}
