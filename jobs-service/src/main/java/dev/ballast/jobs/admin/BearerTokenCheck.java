package dev.ballast.jobs.admin;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * One configured bearer token, compared in constant time (digests of equal length whatever was presented). An API
 * whose token is unset refuses everything with 503, so a missing Secret shows at once instead of leaving it open.
 */
public final class BearerTokenCheck {

    private final String api;
    private final String envVar;
    private final byte[] expectedDigest;

    public BearerTokenCheck(String api, String envVar, @Nullable String token) {
        this.api = api;
        this.envVar = envVar;
        this.expectedDigest = token == null || token.isBlank() ? null : sha256(token.strip());
    }

    public boolean configured() {
        return expectedDigest != null;
    }

    /** Null when the request may proceed, else the problem answer refusing it. */
    public @Nullable HttpResponse<ApiProblem> refusal(HttpRequest<?> request) {
        if (expectedDigest == null) {
            return ApiProblem.of(HttpStatus.SERVICE_UNAVAILABLE, "api_disabled",
                    api + " is disabled: " + envVar + " is not set").toResponse();
        }
        String token = bearer(request.getHeaders().get(HttpHeaders.AUTHORIZATION));
        if (token == null || !MessageDigest.isEqual(expectedDigest, sha256(token))) {
            return ApiProblem.of(HttpStatus.UNAUTHORIZED, token == null ? "missing_token" : "invalid_token",
                            token == null ? "a bearer token is required" : "the bearer token is not valid")
                    .toResponse().header(HttpHeaders.WWW_AUTHENTICATE, "Bearer");
        }
        return null;
    }

    private static @Nullable String bearer(@Nullable String authorization) {
        if (authorization == null || authorization.length() < 7
                || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return null;
        }
        String token = authorization.substring(7).strip();
        return token.isEmpty() ? null : token;
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }
}
