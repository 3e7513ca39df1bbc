package dev.ballast.resilience.http;

import io.micronaut.http.client.exceptions.HttpClientException;

/**
 * A call (or one attempt of it) that we ended ourselves: our per-try deadline fired, the caller went away, or we
 * are shutting down. It extends {@link HttpClientException} so callers that already handle client failures keep
 * working.
 */
public final class CallAbortedException extends HttpClientException {

    private final AbortClass abortClass;

    public CallAbortedException(AbortClass abortClass, String message) {
        super(message);
        this.abortClass = abortClass;
    }

    public CallAbortedException(AbortClass abortClass, String message, Throwable cause) {
        super(message, cause);
        this.abortClass = abortClass;
    }

    public AbortClass abortClass() {
        return abortClass;
    }
}
