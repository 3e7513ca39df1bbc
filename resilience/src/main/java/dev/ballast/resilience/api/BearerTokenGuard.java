package dev.ballast.resilience.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * Checks an {@code Authorization: Bearer} token against one configured secret in constant time. An API whose
 * secret is not configured refuses every request with 503, so that a missing Kubernetes Secret shows up at
 * once instead of leaving the API open.
 */
public final class BearerTokenGuard {

    private static final MessageDigest SHA_256 = newSha256();

    private final String api;
    private final String envVar;
    private final byte[] expectedDigest;

    public BearerTokenGuard(String api, String envVar, @Nullable String configuredToken) {
        this.api = api;
        this.envVar = envVar;
        this.expectedDigest = configuredToken == null || configuredToken.isBlank()
                ? null : sha256(configuredToken.strip());
    }

    public boolean configured() {
        return expectedDigest != null;
    }

    /** Null when the request may proceed, otherwise the answer that refuses it. */
    public @Nullable HttpResponse<ProblemDetails> refusal(HttpRequest<?> request) {
        if (expectedDigest == null) {
            return ProblemDetails.response(HttpStatus.SERVICE_UNAVAILABLE, "api_disabled",
                    api + " is disabled: " + envVar + " is not set");
        }
        String header = request.getHeaders().get(HttpHeaders.AUTHORIZATION);
        String token = bearer(header);
        if (token == null) {
            return ProblemDetails.response(HttpStatus.UNAUTHORIZED, "missing_token", "a bearer token is required")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        // Comparing digests keeps the comparison constant-time whatever the presented length.
        if (!MessageDigest.isEqual(expectedDigest, sha256(token))) {
            return ProblemDetails.response(HttpStatus.UNAUTHORIZED, "invalid_token", "the bearer token is not valid")
                    .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return null;
    }

    /** The token of an {@code Authorization: Bearer ...} header, or null. */
    public static @Nullable String bearer(@Nullable String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    public static byte[] sha256(String value) {
        return sha256(value.getBytes(StandardCharsets.UTF_8));
    }

    public static byte[] sha256(byte[] value) {
        try {
            // A copy of an unused instance: getInstance's provider lookup cost more than the digest on every request.
            return ((MessageDigest) SHA_256.clone()).digest(value);
        } catch (CloneNotSupportedException e) {
            return newSha256().digest(value);
        }
    }

    private static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
