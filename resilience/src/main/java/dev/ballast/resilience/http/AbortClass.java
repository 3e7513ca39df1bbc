package dev.ballast.resilience.http;

/**
 * Why a call ended without an HTTP response (docs/architecture.md, "Abort classes"). Logs and metrics carry
 * the class; only the first three are ever retried, and then only as {@link RetryMatrix} allows.
 */
public enum AbortClass {

    /** Our per-try deadline (or Micronaut's read timeout) fired while waiting for the response. */
    TIMEOUT,

    /** The connection could not be opened (refused, connect timeout, no route, DNS): the request was never sent. */
    CONNECT_FAILED,

    /** The connection was reset or closed while the request was in flight. */
    CONNECTION_RESET,

    /** The request that needed this call went away (its subscriber cancelled, its thread was interrupted). */
    CALLER_CANCELLED,

    /** We are stopping: the application context is closing or the client is already closed. */
    SHUTDOWN;

    /** Whether the retry matrix ever considers this class; the other two are never retried. */
    public boolean mayBeRetried() {
        return this == TIMEOUT || this == CONNECT_FAILED || this == CONNECTION_RESET;
    }

    /** Lower-case name for metric tags and logs. */
    public String tag() {
        return switch (this) {
            case TIMEOUT -> "timeout";
            case CONNECT_FAILED -> "connect_failed";
            case CONNECTION_RESET -> "connection_reset";
            case CALLER_CANCELLED -> "caller_cancelled";
            case SHUTDOWN -> "shutdown";
        };
    }
}
