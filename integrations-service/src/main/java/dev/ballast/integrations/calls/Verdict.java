package dev.ballast.integrations.calls;

import dev.ballast.integrations.health.Observation;
import io.micronaut.core.annotation.Nullable;

/**
 * How a failed or skipped operation is answered, stored and counted.
 *
 * @param outcome           {@code skipped} or {@code failed}
 * @param reason            the problem's stable reason code
 * @param abortClass        why the call failed (TIMEOUT, RATE_LIMITED, ...), or null when skipped
 * @param retryable         whether the same request may succeed later (then 503 with Retry-After)
 * @param status            the HTTP status answered
 * @param retryAfterSeconds the Retry-After of a retryable answer
 * @param reusable          whether the key stays free for the next request (the provider did not act, or acting
 *                          twice is harmless)
 * @param health            what it says about the integration, or null for nothing
 * @param detail            a short human explanation, no provider text
 */
public record Verdict(String outcome, String reason, @Nullable String abortClass, boolean retryable, int status,
                      @Nullable Integer retryAfterSeconds, boolean reusable, @Nullable Observation health,
                      String detail) {
}
