package dev.ballast.integrations.api;

/**
 * The problem+json extension members of every non-2xx answer of {@link IntegrationsOperations}, so callers act on the
 * outcome without parsing provider errors.
 */
public final class IntegrationOutcome {

    /** {@link #SKIPPED} or {@link #FAILED}. */
    public static final String OUTCOME = "outcome";
    /** Why it was skipped: {@link #DISCONNECTED} or {@link #BREAKER_OPEN}. */
    public static final String REASON = "reason";
    /** The abort class of a failed call (TIMEOUT, CALLER_CANCELLED, RATE_LIMITED, ...). */
    public static final String ABORT_CLASS = "abortClass";
    /** true when the same request may succeed later (then the status is 503 with Retry-After). */
    public static final String RETRYABLE = "retryable";
    /** The provider the operation talks to (ai, emailbison, ghl, slack, unipile). */
    public static final String PROVIDER = "provider";

    /** No provider call was made. */
    public static final String SKIPPED = "skipped";
    /** The provider was called (or could not be reached) and the call did not succeed. */
    public static final String FAILED = "failed";

    /** The workspace's integration is DISCONNECTED: 409, not retryable until its credentials are fixed. */
    public static final String DISCONNECTED = "disconnected";
    /** The (workspace, provider) breaker is open: 503 with Retry-After, retryable. */
    public static final String BREAKER_OPEN = "breaker_open";
    /** The workspace has no credentials for the provider: 409, not retryable until they are stored. */
    public static final String NOT_CONFIGURED = "not_configured";
    /** A send failed after it may have reached the provider (timeout, reset, 5xx): 409, never sent again. */
    public static final String OUTCOME_UNKNOWN = "outcome_unknown";

    private IntegrationOutcome() {
    }
}
