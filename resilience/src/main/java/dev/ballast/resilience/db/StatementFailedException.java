package dev.ballast.resilience.db;

import io.micronaut.core.annotation.Nullable;

import java.sql.SQLException;

/**
 * A statement's {@link SQLException}, unchecked like a repository's failure so that a transaction rolls back the
 * same way; {@link DbFailureClassifier} still reads the SQLState underneath. The message carries the operation and
 * the SQLState only, never SQL text or parameters.
 */
public final class StatementFailedException extends RuntimeException {

    private final String operation;

    public StatementFailedException(String operation, SQLException cause) {
        super(operation + " failed: sqlstate=" + cause.getSQLState(), cause);
        this.operation = operation;
    }

    public String operation() {
        return operation;
    }

    public @Nullable String sqlState() {
        return ((SQLException) getCause()).getSQLState();
    }
}
