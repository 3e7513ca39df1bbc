package dev.ballast.integrations.answers;

import io.micronaut.core.annotation.Nullable;

/**
 * The answer stored under a key: the HTTP status and JSON body given to the first caller, and what became of the
 * provider call. A reusable answer (a failure that left the provider untouched, or of a side-effect-free
 * operation) is given to requests that waited for it, but the next request with the key calls the provider again.
 *
 * @param status         the HTTP status answered
 * @param body           the JSON body answered (the operation's record, or the problem document)
 * @param outcome        success, skipped or failed
 * @param abortClass     why a failed call failed, or null
 * @param retryAfterSeconds the Retry-After of a 503, or null
 * @param reusable       true when the next request with this key calls the provider again
 */
public record StoredAnswer(int status, String body, String outcome, @Nullable String abortClass,
                           @Nullable Integer retryAfterSeconds, boolean reusable) {
}
