package dev.ballast.insights.sql;

import dev.ballast.resilience.db.DbRetry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.exceptions.DataAccessException;
import io.micronaut.jdbc.DataSourceResolver;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;

/**
 * Runs plain JDBC as units of work under a given {@link DbRetry} (an API request's, or a tick's with its own policy
 * and circuit). Each unit takes a connection for the time it runs and gives it back: nothing holds one between units.
 */
@Singleton
public final class JdbcUnits {

    /** The JDBC of one unit. */
    @FunctionalInterface
    public interface Sql<T> {
        T run(Connection c) throws SQLException;
    }

    private final DataSource dataSource;
    private final TransactionOperations<Connection> tx;

    JdbcUnits(DataSource dataSource, @Nullable DataSourceResolver resolver, TransactionOperations<Connection> tx) {
        this.dataSource = (resolver == null ? DataSourceResolver.DEFAULT : resolver).resolve(dataSource);
        this.tx = tx;
    }

    /** An idempotent statement (autocommit), retried whole on a transient failure. */
    public <T> T statement(DbRetry db, String operation, Sql<T> work) {
        try {
            return db.statement(operation, () -> {
                try (Connection c = dataSource.getConnection()) {
                    return work.run(c);
                }
            });
        } catch (SQLException e) {
            throw new DataAccessException(operation + " failed: sqlstate " + e.getSQLState(), e);
        }
    }

    /** A transaction, retried whole on a transient failure but never after a lost COMMIT. */
    public <T> T transaction(DbRetry db, String operation, Sql<T> work) {
        return db.transaction(operation, tx, status -> work.run(status.getConnection()));
    }

    public static @Nullable Instant instant(@Nullable Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
