package dev.ballast.integrations.calls;

import io.micronaut.core.annotation.Nullable;

/**
 * An operation answered with a problem: its status, the problem+json document exactly as stored (so that a repeated
 * key gets the same bytes) and, for a 503, when to come back.
 */
public final class OperationFailure extends RuntimeException {

    private final int status;
    private final String problemJson;
    @Nullable
    private final Integer retryAfterSeconds;

    OperationFailure(int status, String problemJson, @Nullable Integer retryAfterSeconds) {
        super("HTTP " + status, null, false, false);
        this.status = status;
        this.problemJson = problemJson;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String problemJson() {
        return problemJson;
    }

    public @Nullable Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
