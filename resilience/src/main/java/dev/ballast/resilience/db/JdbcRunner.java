package dev.ballast.resilience.db;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.jdbc.DataSourceResolver;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Plain JDBC through {@link DbRetry}: an idempotent statement on its own autocommit connection
 * ({@link #query}, {@link #list}, {@link #update}, {@link #statement}) or a whole transaction
 * ({@link #inTransaction}), every {@link SQLException} turned into a {@link StatementFailedException} inside the
 * attempt, so the retry still classifies it by its SQLState.
 */
@Singleton
@Requires(beans = DataSource.class)
public final class JdbcRunner {

    /** Sets a statement's parameters (and, if it must, its planning). */
    @FunctionalInterface
    public interface Binder {
        Binder NONE = st -> { };

        void bind(PreparedStatement st) throws SQLException;
    }

    /** Reads a whole result ({@link #query}) or its current row ({@link #list}). */
    @FunctionalInterface
    public interface ResultMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    /** Work on one connection: several statements of one unit. */
    @FunctionalInterface
    public interface ConnectionWork<T> {
        T run(Connection c) throws SQLException;
    }

    /** JDBC work without a connection handed in. */
    @FunctionalInterface
    public interface SqlWork<T> {
        T run() throws SQLException;
    }

    private final DataSource dataSource;
    private final DbRetry retry;
    private final @Nullable TransactionOperations<Connection> tx;

    public JdbcRunner(DataSource dataSource, @Nullable DataSourceResolver resolver, DbRetry retry,
                      @Nullable TransactionOperations<Connection> tx) {
        this.dataSource = resolve(dataSource, resolver);
        this.retry = Objects.requireNonNull(retry, "retry");
        this.tx = tx;
    }

    /** The pool behind Micronaut's transaction-aware proxy: a statement here takes a connection of its own. */
    public static DataSource resolve(DataSource dataSource, @Nullable DataSourceResolver resolver) {
        return (resolver == null ? DataSourceResolver.DEFAULT : resolver).resolve(dataSource);
    }

    /** The resolved pool, for code that manages its connections itself (a migration, a probe). */
    public DataSource dataSource() {
        return dataSource;
    }

    /** Runs a query once as a retried statement and maps its whole result. */
    public <T> T query(String operation, String sql, Binder binder, ResultMapper<T> mapper) {
        return statement(operation, c -> {
            try (PreparedStatement st = c.prepareStatement(sql)) {
                binder.bind(st);
                try (ResultSet rs = st.executeQuery()) {
                    return mapper.map(rs);
                }
            }
        });
    }

    /** Runs a query as a retried statement and maps every row. */
    public <T> List<T> list(String operation, String sql, Binder binder, ResultMapper<T> mapper) {
        return query(operation, sql, binder, rs -> rows(rs, mapper));
    }

    /** Runs an idempotent update as a retried statement; answers the rows it changed. */
    public int update(String operation, String sql, Binder binder) {
        return statement(operation, c -> {
            try (PreparedStatement st = c.prepareStatement(sql)) {
                binder.bind(st);
                return st.executeUpdate();
            }
        });
    }

    /** Runs idempotent work on one autocommit connection of its own, retried as a statement. */
    public <T> T statement(String operation, ConnectionWork<T> work) {
        return retry.statement(operation, () -> unchecked(operation, () -> {
            try (Connection c = dataSource.getConnection()) {
                c.setAutoCommit(true);
                return work.run(c);
            }
        }));
    }

    /** Runs {@code work} as one read-write transaction, retried whole. */
    public <T> T inTransaction(String operation, ConnectionWork<T> work) {
        return inTransaction(operation, TransactionDefinition.DEFAULT, work);
    }

    /** Runs {@code work} as one transaction with the given definition, retried whole (see {@link DbRetry}). */
    public <T> T inTransaction(String operation, TransactionDefinition definition, ConnectionWork<T> work) {
        if (tx == null) {
            throw new IllegalStateException("no transaction manager for " + operation);
        }
        return retry.transaction(operation, tx, definition,
                status -> unchecked(operation, () -> work.run(status.getConnection())));
    }

    /** Every row of a result, read by {@code mapper}. */
    public static <T> List<T> rows(ResultSet rs, ResultMapper<T> mapper) throws SQLException {
        List<T> out = new ArrayList<>();
        while (rs.next()) {
            out.add(mapper.map(rs));
        }
        return out;
    }

    /** The one conversion of a {@link SQLException}: unchecked, the SQLState kept underneath. */
    public static <T> T unchecked(String operation, SqlWork<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw new StatementFailedException(operation, e);
        }
    }
}
