package dev.ballast.webhook.workspace;

import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.UUID;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts signing secrets at rest with AES-256-GCM under {@code WEBHOOK_SECRET_KEY}. The workspace id is
 * authenticated data, so a ciphertext copied to another workspace's row does not decrypt. Layout:
 * version byte, 12-byte nonce, ciphertext with tag.
 */
@Singleton
public final class SigningSecretCipher {

    private static final Logger LOG = LoggerFactory.getLogger(SigningSecretCipher.class);
    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    public SigningSecretCipher(WorkspaceSettings settings) {
        this.key = parseKey(settings.secretKey());
        if (key == null) {
            LOG.error("WEBHOOK_SECRET_KEY is not set: workspaces cannot get signing secrets and signed deliveries "
                    + "are refused with 503 until it is");
        }
    }

    public boolean available() {
        return key != null;
    }

    public byte[] encrypt(UUID workspaceId, byte[] secret) {
        requireKey();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(aad(workspaceId));
            byte[] sealed = cipher.doFinal(secret);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    public byte[] decrypt(UUID workspaceId, byte[] blob) {
        requireKey();
        if (blob.length < 1 + NONCE_BYTES + TAG_BITS / 8 || blob[0] != VERSION) {
            throw new SecretUnavailableException("a stored signing secret has an unknown format");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(TAG_BITS, blob, 1, NONCE_BYTES));
            cipher.updateAAD(aad(workspaceId));
            return cipher.doFinal(blob, 1 + NONCE_BYTES, blob.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new SecretUnavailableException(
                    "a stored signing secret does not decrypt: WEBHOOK_SECRET_KEY is not the key it was stored with");
        }
    }

    private void requireKey() {
        if (key == null) {
            throw new SecretUnavailableException("WEBHOOK_SECRET_KEY is not set");
        }
    }

    private static byte[] aad(UUID workspaceId) {
        return ("ballast-webhook-signing-secret:" + workspaceId).getBytes(StandardCharsets.US_ASCII);
    }

    private static SecretKeySpec parseKey(String base64) {
        if (base64 == null || base64.isBlank()) {
            return null;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("WEBHOOK_SECRET_KEY must be base64 (e.g. `openssl rand -base64 32`)");
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException("WEBHOOK_SECRET_KEY must decode to 32 bytes (AES-256), got " + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }

    /** The secret key is missing or is not the one a secret was encrypted with. */
    public static final class SecretUnavailableException extends RuntimeException {
        public SecretUnavailableException(String message) {
            super(message);
        }
    }
}
