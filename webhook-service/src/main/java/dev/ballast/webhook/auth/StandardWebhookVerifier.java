package dev.ballast.webhook.auth;

import io.micronaut.core.annotation.Nullable;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Verifies Standard Webhooks signatures: HMAC-SHA256 over {@code webhook-id.webhook-timestamp.body} with the
 * raw body bytes, any of several {@code v1,} signatures against any of several secrets (rotation), timestamp
 * within a tolerance either way, constant-time comparison.
 *
 * <p>Written here rather than taken from {@code com.standardwebhooks:standardwebhooks}, whose verifier takes
 * the body as a String (re-encoding it, so it does not verify the bytes that were sent), one secret at a
 * time, and the system clock with a fixed tolerance. Tests check this verifier against that library and the
 * published test vector.
 */
public final class StandardWebhookVerifier {

    /** Outcome of a verification; everything but VALID is a refusal. */
    public enum Verdict { VALID, MISSING_HEADERS, INVALID_TIMESTAMP, STALE_TIMESTAMP, NO_SECRET, NO_MATCH }

    private static final int MAX_SIGNATURES = 16;
    private final Duration tolerance;

    public StandardWebhookVerifier(Duration tolerance) {
        this.tolerance = tolerance;
    }

    public Verdict verify(@Nullable String messageId, @Nullable String timestamp, @Nullable String signatureHeader,
                          byte[] body, List<byte[]> secrets, Instant now) {
        if (isBlank(messageId) || isBlank(timestamp) || isBlank(signatureHeader)) {
            return Verdict.MISSING_HEADERS;
        }
        long seconds;
        try {
            seconds = Long.parseLong(timestamp.strip());
        } catch (NumberFormatException e) {
            return Verdict.INVALID_TIMESTAMP;
        }
        if (Math.abs(now.getEpochSecond() - seconds) > tolerance.toSeconds()) {
            return Verdict.STALE_TIMESTAMP;
        }
        if (secrets.isEmpty()) {
            return Verdict.NO_SECRET;
        }
        List<byte[]> candidates = signatures(signatureHeader);
        for (byte[] secret : secrets) {
            byte[] expected = sign(secret, messageId, timestamp.strip(), body);
            for (byte[] candidate : candidates) {
                if (MessageDigest.isEqual(expected, candidate)) {
                    return Verdict.VALID;
                }
            }
        }
        return Verdict.NO_MATCH;
    }

    /** The raw HMAC a sender puts, base64-encoded after {@code v1,}, in {@code webhook-signature}. */
    public static byte[] sign(byte[] secret, String messageId, String timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret, "HmacSHA256"));
            mac.update(messageId.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            mac.update(timestamp.getBytes(StandardCharsets.UTF_8));
            mac.update((byte) '.');
            return mac.doFinal(body);
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private static List<byte[]> signatures(String header) {
        return header.strip().isEmpty() ? List.of() : java.util.Arrays.stream(header.strip().split("\\s+"))
                .limit(MAX_SIGNATURES)
                .filter(s -> s.startsWith("v1,"))
                .map(s -> decode(s.substring(3)))
                .filter(b -> b != null)
                .toList();
    }

    private static byte[] decode(String b64) {
        try {
            return Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static boolean isBlank(@Nullable String s) {
        return s == null || s.isBlank();
    }
}
