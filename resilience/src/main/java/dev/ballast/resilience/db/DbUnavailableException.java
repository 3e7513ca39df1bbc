package dev.ballast.resilience.db;

import io.micronaut.core.annotation.Nullable;

import java.util.Locale;

/**
 * The database could not be reached for a unit of work, and retrying here will not help: the answer is
 * "unavailable, try later" (a 503, a redelivery, the next cron tick), never "your request is wrong".
 * The cause is the last transient failure, so {@link DbFailureClassifier} still sees the SQLState.
 * The message carries the operation name, attempts, reason and SQLState only: no SQL, URL or secret.
 */
public final class DbUnavailableException extends RuntimeException {

    /** Why retrying stopped. */
    public enum Reason {
        /** Every configured retry failed transiently. */
        RETRIES_EXHAUSTED,
        /** The thread was interrupted (shutdown, caller gone); the interrupt flag is set again. */
        INTERRUPTED,
        /** The invocation's {@link ConnectionCircuit} is open: callers stop early. */
        CIRCUIT_OPEN,
        /**
         * The connection broke during COMMIT: the transaction may or may not have been applied, so it is not
         * rerun here. A caller whose transaction is idempotent may run it again; others must find out first.
         */
        COMMIT_OUTCOME_UNKNOWN,
        /**
         * The deadline of the request or tick that wanted the unit passed before the database answered, or left no
         * time for another attempt: to that caller the database is unavailable.
         */
        DEADLINE_EXCEEDED;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    private final String operation;
    private final int attempts;
    private final Reason reason;
    private final @Nullable String sqlState;

    public DbUnavailableException(String operation, int attempts, Reason reason, @Nullable String sqlState,
                                  @Nullable Throwable cause) {
        super("database unavailable for operation=" + operation + ": " + reason.tag() + " after " + attempts
                + (attempts == 1 ? " attempt" : " attempts") + (sqlState == null ? "" : ", sqlstate=" + sqlState), cause);
        this.operation = operation;
        this.attempts = attempts;
        this.reason = reason;
        this.sqlState = sqlState;
    }

    /** The operation name the unit of work was run under. */
    public String operation() {
        return operation;
    }

    /** How many times the unit of work was attempted: 0 when an open circuit refused it outright. */
    public int attempts() {
        return attempts;
    }

    public Reason reason() {
        return reason;
    }

    /** The SQLState of the last failure, or null when it had none (a refused socket, a pool timeout). */
    public @Nullable String sqlState() {
        return sqlState;
    }

    public boolean commitOutcomeUnknown() {
        return reason == Reason.COMMIT_OUTCOME_UNKNOWN;
    }
}
