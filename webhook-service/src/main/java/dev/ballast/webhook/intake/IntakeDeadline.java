package dev.ballast.webhook.intake;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The time budget of one delivery, from its arrival. Applied to the intake transaction's connection twice:
 * as the server-side statement_timeout (set_config(..., true) = SET LOCAL, so that it also holds behind PgBouncer
 * in transaction mode; folded into the first query by {@link IntakeContext}) and as the socket's network timeout, which still fires when the database or the network hangs
 * and no server answer can arrive at all.
 */
final class IntakeDeadline {

    /** Lets the server's own timeout, with its clean error, normally win over the socket timeout. */
    private static final long NETWORK_MARGIN_MS = 250;
    private static final Executor DIRECT = Runnable::run;
    private final long deadlineNanos;

    IntakeDeadline(long startedNanos, Duration budget) {
        this.deadlineNanos = startedNanos + budget.toNanos();
    }

    long remainingMillis() {
        return (deadlineNanos - System.nanoTime()) / 1_000_000;
    }

    boolean spent() {
        return System.nanoTime() - deadlineNanos >= 0;
    }

    void check() {
        if (spent()) {
            throw new BudgetSpentException();
        }
    }

    /**
     * Bounds the connection's socket by the budget and answers the statement timeout (ms) the transaction's
     * statements must run under: the caller sets it (SET LOCAL semantics, set_config(..., true)) with its first
     * statement, so that it costs no round trip of its own. That first statement runs under the session's default
     * statement timeout, the socket timeout bounds it by the budget.
     */
    long apply(Connection connection, Duration statementTimeout) throws SQLException {
        long remaining = remainingMillis();
        if (remaining <= 0) {
            throw new BudgetSpentException();
        }
        connection.setNetworkTimeout(DIRECT, (int) Math.min(Integer.MAX_VALUE, remaining + NETWORK_MARGIN_MS));
        return Math.max(1, Math.min(statementTimeout.toMillis(), remaining));
    }

    /** The delivery's time budget ran out before it was stored. */
    static final class BudgetSpentException extends RuntimeException {
        BudgetSpentException() {
            super("time budget spent", null, false, false);
        }
    }
}
