package dev.ballast.resilience.http;

/** What the retry matrix says about one attempt's outcome. */
public enum RetryDecision {

    /** Not a failure (1xx to 3xx): hand the response to the caller. */
    DONE,

    /** Retry after an exponential, fully jittered backoff. */
    RETRY,

    /** Retry after the delay the server gave in {@code Retry-After} (capped). */
    RETRY_AFTER,

    /** A failure the matrix does not retry for this kind of request. */
    GIVE_UP,

    /** The caller went away or we are stopping: never retried, whatever the request. */
    NEVER;

    public boolean retries() {
        return this == RETRY || this == RETRY_AFTER;
    }
}
