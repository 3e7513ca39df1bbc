package dev.ballast.resilience.secrets;

import io.micronaut.core.annotation.Nullable;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encrypts secrets at rest (signing secrets, provider tokens) with AES-256-GCM under a base64 key from the
 * environment. The caller's associated data (e.g. the owning workspace) is authenticated, so a ciphertext copied to
 * another row does not decrypt. Layout: version byte, 12-byte nonce, ciphertext with tag.
 */
public final class AesGcmCipher {

    private static final byte VERSION = 1;
    private static final int NONCE_BYTES = 12;
    private static final int TAG_BITS = 128;

    private final String keyName;
    private final String what;
    @Nullable
    private final SecretKeySpec key;
    private final SecureRandom random = new SecureRandom();

    /**
     * @param base64Key the key (32 bytes, base64), or blank when not configured
     * @param keyName   the environment variable it comes from, for messages
     * @param what      what it encrypts ("signing secret"), for messages
     */
    public AesGcmCipher(@Nullable String base64Key, String keyName, String what) {
        this.keyName = keyName;
        this.what = what;
        this.key = parseKey(base64Key, keyName);
    }

    public boolean available() {
        return key != null;
    }

    public byte[] encrypt(byte[] secret, byte[] associatedData) {
        SecretKeySpec k = requireKey();
        byte[] nonce = new byte[NONCE_BYTES];
        random.nextBytes(nonce);
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, nonce));
            cipher.updateAAD(associatedData);
            byte[] sealed = cipher.doFinal(secret);
            return ByteBuffer.allocate(1 + NONCE_BYTES + sealed.length).put(VERSION).put(nonce).put(sealed).array();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM encryption failed", e);
        }
    }

    public byte[] decrypt(byte[] blob, byte[] associatedData) {
        SecretKeySpec k = requireKey();
        if (blob.length < 1 + NONCE_BYTES + TAG_BITS / 8 || blob[0] != VERSION) {
            throw new KeyUnavailableException("a stored " + what + " has an unknown format");
        }
        try {
            Cipher cipher = Cipher.getInstance("AES/GCM/NoPadding");
            cipher.init(Cipher.DECRYPT_MODE, k, new GCMParameterSpec(TAG_BITS, blob, 1, NONCE_BYTES));
            cipher.updateAAD(associatedData);
            return cipher.doFinal(blob, 1 + NONCE_BYTES, blob.length - 1 - NONCE_BYTES);
        } catch (GeneralSecurityException e) {
            throw new KeyUnavailableException(
                    "a stored " + what + " does not decrypt: " + keyName + " is not the key it was stored with");
        }
    }

    private SecretKeySpec requireKey() {
        if (key == null) {
            throw new KeyUnavailableException(keyName + " is not set");
        }
        return key;
    }

    @Nullable
    private static SecretKeySpec parseKey(@Nullable String base64, String keyName) {
        if (base64 == null || base64.isBlank()) {
            return null;
        }
        byte[] raw;
        try {
            raw = Base64.getDecoder().decode(base64.strip());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(keyName + " must be base64 (e.g. `openssl rand -base64 32`)");
        }
        if (raw.length != 32) {
            throw new IllegalArgumentException(keyName + " must decode to 32 bytes (AES-256), got " + raw.length);
        }
        return new SecretKeySpec(raw, "AES");
    }

    /** The key is missing or is not the one a secret was encrypted with. */
    public static final class KeyUnavailableException extends RuntimeException {
        public KeyUnavailableException(String message) {
            super(message);
        }
    }
}
