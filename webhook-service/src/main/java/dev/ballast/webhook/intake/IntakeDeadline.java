package dev.ballast.webhook.intake;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * The time budget of one delivery, from its arrival. Applied to the intake transaction's connection twice:
 * as the server-side statement_timeout (SET LOCAL, so that it also holds behind PgBouncer in transaction
 * mode) and as the socket's network timeout, which still fires when the database or the network hangs
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

    void apply(Connection connection, Duration statementTimeout) throws SQLException {
        long remaining = remainingMillis();
        if (remaining <= 0) {
            throw new BudgetSpentException();
        }
        connection.setNetworkTimeout(DIRECT, (int) Math.min(Integer.MAX_VALUE, remaining + NETWORK_MARGIN_MS));
        long statementMs = Math.max(1, Math.min(statementTimeout.toMillis(), remaining));
        try (PreparedStatement st = connection.prepareStatement("SELECT set_config('statement_timeout', ?, true)")) {
            st.setString(1, statementMs + "ms");
            st.execute();
        }
    }

    /** The delivery's time budget ran out before it was stored. */
    static final class BudgetSpentException extends RuntimeException {
        BudgetSpentException() {
            super("time budget spent", null, false, false);
        }
    }
}
