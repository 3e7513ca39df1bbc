package dev.ballast.webhook.workspace;

import dev.ballast.resilience.secrets.AesGcmCipher;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Encrypts signing secrets at rest with AES-256-GCM under {@code WEBHOOK_SECRET_KEY}. The workspace id is
 * authenticated data, so a ciphertext copied to another workspace's row does not decrypt.
 */
@Singleton
public final class SigningSecretCipher {

    private static final Logger LOG = LoggerFactory.getLogger(SigningSecretCipher.class);

    private final AesGcmCipher cipher;

    public SigningSecretCipher(WorkspaceSettings settings) {
        this.cipher = new AesGcmCipher(settings.secretKey(), "WEBHOOK_SECRET_KEY", "signing secret");
        if (!cipher.available()) {
            LOG.error("WEBHOOK_SECRET_KEY is not set: workspaces cannot get signing secrets and signed deliveries "
                    + "are refused with 503 until it is");
        }
    }

    public boolean available() {
        return cipher.available();
    }

    public byte[] encrypt(UUID workspaceId, byte[] secret) {
        try {
            return cipher.encrypt(secret, aad(workspaceId));
        } catch (AesGcmCipher.KeyUnavailableException e) {
            throw new SecretUnavailableException(e.getMessage());
        }
    }

    public byte[] decrypt(UUID workspaceId, byte[] blob) {
        try {
            return cipher.decrypt(blob, aad(workspaceId));
        } catch (AesGcmCipher.KeyUnavailableException e) {
            throw new SecretUnavailableException(e.getMessage());
        }
    }

    private static byte[] aad(UUID workspaceId) {
        return ("ballast-webhook-signing-secret:" + workspaceId).getBytes(StandardCharsets.US_ASCII);
    }

    /** The secret key is missing or is not the one a secret was encrypted with. */
    public static final class SecretUnavailableException extends RuntimeException {
        public SecretUnavailableException(String message) {
            super(message);
        }
    }
}
