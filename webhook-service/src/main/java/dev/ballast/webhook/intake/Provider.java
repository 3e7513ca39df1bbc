package dev.ballast.webhook.intake;

import io.micronaut.http.HttpStatus;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * A webhook sender. Each has its own way of being told "try again later": GHL retries only on 429, the
 * others on 503 with Retry-After.
 */
public enum Provider {
    EMAILBISON("emailbison", HttpStatus.SERVICE_UNAVAILABLE),
    GHL("ghl", HttpStatus.TOO_MANY_REQUESTS);

    private final String key;
    private final HttpStatus redeliverStatus;

    Provider(String key, HttpStatus redeliverStatus) {
        this.key = key;
        this.redeliverStatus = redeliverStatus;
    }

    /** The name stored in the database and used in the admin API. */
    public String key() {
        return key;
    }

    /** The status that makes this provider deliver again later. */
    public HttpStatus redeliverStatus() {
        return redeliverStatus;
    }

    public static Optional<Provider> byKey(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return Arrays.stream(values()).filter(p -> p.key.equals(k)).findFirst();
    }
}
