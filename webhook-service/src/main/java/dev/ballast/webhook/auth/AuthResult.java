package dev.ballast.webhook.auth;

import io.micronaut.core.annotation.Nullable;

/**
 * What authentication of a delivery concluded.
 *
 * @param outcome AUTHENTICATED, REFUSED (answer 401) or UNAVAILABLE (we cannot check now: ask for redelivery)
 * @param method  how the sender proved itself: {@code signature} or {@code token}
 * @param reason  machine-readable reason of a refusal, recorded in the delivery log
 */
public record AuthResult(Outcome outcome, @Nullable String method, @Nullable String reason) {

    public enum Outcome { AUTHENTICATED, REFUSED, UNAVAILABLE }

    static AuthResult authenticated(String method) {
        return new AuthResult(Outcome.AUTHENTICATED, method, null);
    }

    static AuthResult refused(String reason) {
        return new AuthResult(Outcome.REFUSED, null, reason);
    }

    static AuthResult unavailable(String reason) {
        return new AuthResult(Outcome.UNAVAILABLE, null, reason);
    }
}
