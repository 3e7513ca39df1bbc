package dev.ballast.resilience.db;

/**
 * One statement (or read) that is safe to run again: it takes its own connection outside any transaction,
 * and running it twice leaves the same state as running it once (a read, an upsert, an
 * {@code INSERT ... ON CONFLICT DO NOTHING}). Anything else belongs in a transaction.
 *
 * @param <T> what it returns
 * @param <E> the checked exception it may throw, e.g. {@link java.sql.SQLException}, or a runtime exception
 */
@FunctionalInterface
public interface IdempotentStatement<T, E extends Exception> {

    T run() throws E;
}
