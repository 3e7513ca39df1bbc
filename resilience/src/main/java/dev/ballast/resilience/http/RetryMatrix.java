package dev.ballast.resilience.http;

import io.micronaut.http.HttpMethod;

import static dev.ballast.resilience.http.RetryDecision.DONE;
import static dev.ballast.resilience.http.RetryDecision.GIVE_UP;
import static dev.ballast.resilience.http.RetryDecision.NEVER;
import static dev.ballast.resilience.http.RetryDecision.RETRY;
import static dev.ballast.resilience.http.RetryDecision.RETRY_AFTER;

/**
 * The retry matrix of docs/architecture.md as a pure, allocation-free function:
 * {@code decision = f(method, idempotency key or declared side-effect free, outcome)}.
 * Attempts, deadlines and the retry budget are applied afterwards by {@link ClientCallPolicy}; this class only
 * says whether a retry would be safe and how to time it.
 */
public final class RetryMatrix {

    private enum Row { NOT_SENT, READ_TIMEOUT, RESET, THROTTLED, SERVER_ERROR, CLIENT_ERROR }

    // Row by row as in docs/architecture.md; columns are RequestKind: IDEMPOTENT, DECLARED_IDEMPOTENT, UNSAFE.
    private static final RetryDecision[][] TABLE = {
        /* connect refused / connect timeout */ {RETRY, RETRY, RETRY},
        /* read timeout (our per-try deadline) */ {RETRY, RETRY, GIVE_UP},
        /* connection reset or closed mid-request */ {RETRY, RETRY, GIVE_UP},
        /* 429, 503 with Retry-After */ {RETRY_AFTER, RETRY_AFTER, RETRY_AFTER},
        /* 500, 502, 504 */ {RETRY, RETRY, GIVE_UP},
        /* other 4xx */ {GIVE_UP, GIVE_UP, GIVE_UP},
    };

    private RetryMatrix() {
    }

    public static RetryDecision decide(HttpMethod method, boolean declaredIdempotent, CallOutcome outcome) {
        return decide(RequestKind.of(method, declaredIdempotent), outcome);
    }

    public static RetryDecision decide(RequestKind kind, CallOutcome outcome) {
        return switch (outcome) {
            case CallOutcome.Status(int code, boolean hasRetryAfter) -> decideStatus(kind, code, hasRetryAfter);
            case CallOutcome.Aborted(AbortClass abortClass) -> decideAbort(kind, abortClass);
            case CallOutcome.Unclassified ignored -> GIVE_UP;
        };
    }

    /** The decision for a response with status {@code code}. */
    public static RetryDecision decideStatus(RequestKind kind, int code, boolean hasRetryAfter) {
        if (code < 400) {
            return DONE;
        }
        if (code == 429) {
            // A 429 refuses the request before any work, so resending is safe in every column. Without a
            // Retry-After there is no delay to honour and the ordinary backoff times the retry.
            return hasRetryAfter ? RETRY_AFTER : RETRY;
        }
        Row row;
        if (code == 503) {
            // 503 with Retry-After is the server asking us to come back; without one it is an ordinary 5xx.
            row = hasRetryAfter ? Row.THROTTLED : Row.SERVER_ERROR;
        } else if (code == 500 || code == 502 || code == 504) {
            row = Row.SERVER_ERROR;
        } else if (code < 500) {
            row = Row.CLIENT_ERROR;
        } else {
            // 501, 505, 507, ...: the table retries only 500, 502, 503 and 504; the rest are permanent.
            return GIVE_UP;
        }
        return TABLE[row.ordinal()][kind.ordinal()];
    }

    /** The decision for an attempt aborted without a response. */
    public static RetryDecision decideAbort(RequestKind kind, AbortClass abortClass) {
        Row row = switch (abortClass) {
            case CONNECT_FAILED -> Row.NOT_SENT;
            case TIMEOUT -> Row.READ_TIMEOUT;
            case CONNECTION_RESET -> Row.RESET;
            case CALLER_CANCELLED, SHUTDOWN -> null;
        };
        return row == null ? NEVER : TABLE[row.ordinal()][kind.ordinal()];
    }
}
