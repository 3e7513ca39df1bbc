package dev.ballast.webhook.workspace;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.GeneratedValue;
import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

import java.time.Instant;
import java.util.UUID;

/**
 * A signing secret (AES-GCM ciphertext) or an intake token (SHA-256 only) of a workspace. Never carries a
 * secret in clear.
 */
@MappedEntity(value = "webhook_credentials", schema = "webhook")
public record WebhookCredential(
        @Id @GeneratedValue Long id,
        UUID workspaceId,
        String kind,
        @Nullable byte[] secretCiphertext,
        @Nullable byte[] tokenSha256,
        Instant createdAt,
        @Nullable Instant validUntil) {

    public static final String SIGNING_SECRET = "signing_secret";
    public static final String INTAKE_TOKEN = "intake_token";

    public boolean signingSecret() {
        return SIGNING_SECRET.equals(kind);
    }

    public boolean intakeToken() {
        return INTAKE_TOKEN.equals(kind);
    }

    @Override
    public String toString() {
        return "WebhookCredential[id=" + id + ", workspaceId=" + workspaceId + ", kind=" + kind
                + ", validUntil=" + validUntil + "]";
    }
}
