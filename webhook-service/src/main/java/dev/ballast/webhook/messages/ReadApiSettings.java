package dev.ballast.webhook.messages;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Knobs of the API other services read messages through ({@code ballast.webhook.read-api.*}).
 *
 * @param serviceToken     bearer token other services present; the API answers 503 while it is not set
 * @param defaultPageSize  page size of {@code GET /leads/{id}/messages} when none is asked for
 * @param maxPageSize      largest page size a caller may ask for
 * @param maxAnnotationBytes largest annotation body accepted
 * @param maxConcurrent    calls of this API served at once ({@link ReadApiBulkhead}); each may hold a pooled
 *                         connection, so keep it below the pool's maximum size: the rest is the webhook intake's
 * @param maxWait          how long a call beyond {@code maxConcurrent} waits for a free place before it is refused
 * @param busyRetryAfter   the Retry-After of that refusal (503 {@code read_api_busy})
 */
@ConfigurationProperties("ballast.webhook.read-api")
public record ReadApiSettings(
        @Nullable String serviceToken,
        @Bindable(defaultValue = "50") int defaultPageSize,
        @Bindable(defaultValue = "200") int maxPageSize,
        @Bindable(defaultValue = "65536") int maxAnnotationBytes,
        @Bindable(defaultValue = "6") int maxConcurrent,
        @Bindable(defaultValue = "500ms") Duration maxWait,
        @Bindable(defaultValue = "1s") Duration busyRetryAfter) {

    public ReadApiSettings {
        if (maxConcurrent < 1) {
            throw new IllegalArgumentException("ballast.webhook.read-api.max-concurrent must be at least 1, not "
                    + maxConcurrent);
        }
        if (maxWait.isNegative()) {
            throw new IllegalArgumentException("ballast.webhook.read-api.max-wait must not be negative");
        }
        if (busyRetryAfter.isNegative()) {
            throw new IllegalArgumentException("ballast.webhook.read-api.busy-retry-after must not be negative");
        }
    }

    /** Whole seconds, at least 1: what a Retry-After header can carry. */
    public long busyRetryAfterSeconds() {
        return Math.max(1, busyRetryAfter.toSeconds());
    }

    @Override
    public String toString() {
        return "ReadApiSettings[serviceToken=" + (serviceToken == null || serviceToken.isBlank() ? "unset" : "set")
                + ", defaultPageSize=" + defaultPageSize + ", maxPageSize=" + maxPageSize + ", maxAnnotationBytes=" + maxAnnotationBytes
                + ", maxConcurrent=" + maxConcurrent + ", maxWait=" + maxWait + ", busyRetryAfter=" + busyRetryAfter + "]";
    }
}
