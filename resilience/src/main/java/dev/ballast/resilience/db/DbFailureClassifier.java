package dev.ballast.resilience.db;

import dev.ballast.resilience.Causes;

import java.io.EOFException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;

/**
 * Sorts a database failure into the classes of docs/architecture.md by walking the whole exception chain, so that
 * wrappers (Micronaut Data, Flyway, Hikari) never hide the SQLState underneath.
 */
public final class DbFailureClassifier {

    private static final String HIKARI_CLOSED_CONNECTION = "Connection is closed";

    /** What a caller may do about a database failure. */
    public enum Kind {
        /** The connection or server is unavailable for now: the whole unit of work may be retried. */
        TRANSIENT,
        /** Serialization failure or deadlock: the whole transaction may be retried, a single statement not. */
        RETRY_TRANSACTION,
        /** A unique constraint said no: the dedupe signal, never an error to retry. */
        UNIQUE_VIOLATION,
        /** Anything else: retrying would give the same answer. */
        PERMANENT
    }

    private DbFailureClassifier() {
    }

    public static Kind classify(Throwable failure) {
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        Kind found = Kind.PERMANENT;
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            Kind kind = classifyOne(t);
            if (kind == Kind.UNIQUE_VIOLATION || kind == Kind.RETRY_TRANSACTION) {
                return kind;
            }
            if (kind == Kind.TRANSIENT) {
                found = Kind.TRANSIENT;
            }
            if (t instanceof SQLException sql && sql.getNextException() != null && seen.add(sql.getNextException())) {
                Kind next = classifyOne(sql.getNextException());
                if (next != Kind.PERMANENT) {
                    found = next;
                }
            }
        }
        return found;
    }

    /** The SQLState nearest the top of the chain, or null when there is none. */
    public static String sqlState(Throwable failure) {
        for (Throwable t : Causes.chain(failure)) {
            if (t instanceof SQLException sql && sql.getSQLState() != null) {
                return sql.getSQLState();
            }
        }
        return null;
    }

    private static Kind classifyOne(Throwable t) {
        if (t instanceof SQLException sql) {
            String state = sql.getSQLState();
            if (state != null) {
                if (state.startsWith("08") || state.equals("57P01") || state.equals("57P02")
                        || state.equals("57P03") || state.equals("53300")) {
                    return Kind.TRANSIENT;
                }
                if (state.equals("40001") || state.equals("40P01")) {
                    return Kind.RETRY_TRANSACTION;
                }
                if (state.equals("23505")) {
                    return Kind.UNIQUE_VIOLATION;
                }
            }
            // Hikari's pool-acquisition timeout carries no SQLState of its own.
            if (sql instanceof SQLTransientConnectionException) {
                return Kind.TRANSIENT;
            }
            // Hikari answers every call on a connection it has just marked broken with this, without SQLState, and
            // Micronaut's transaction clean-up then throws it in place of the original 08xxx. (The same words follow
            // a use-after-close bug, which retrying cannot fix but does no harm to.)
            if (state == null && HIKARI_CLOSED_CONNECTION.equals(sql.getMessage())) {
                return Kind.TRANSIENT;
            }
            return Kind.PERMANENT;
        }
        if (t instanceof ConnectException || t instanceof SocketException || t instanceof EOFException
                || t instanceof SocketTimeoutException) {
            return Kind.TRANSIENT;
        }
        return Kind.PERMANENT;
    }
}
