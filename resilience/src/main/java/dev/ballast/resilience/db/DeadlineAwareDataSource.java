package dev.ballast.resilience.db;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.Executor;
import javax.sql.DataSource;

/**
 * The driver's data source under the pool, whose connections bound every wait on the database by the deadline of
 * the unit of work using them ({@link UnitDeadline}, bound by {@link DbRetry}): before each call, the socket's
 * network timeout becomes what remains of the deadline (a hung server or network then ends in a socket timeout, a
 * transient failure, instead of a thread parked for good), and a transaction begun then gets a statement timeout of
 * at most that, so that a slow server cancels its statements itself. A single statement outside a transaction keeps
 * the server's statement timeout and is bounded by the socket timeout. Outside any unit the connection's own network
 * timeout (the driver's {@code socketTimeout}) applies again.
 */
public final class DeadlineAwareDataSource extends ConnectionWrappingDataSource {

    /** Lets the server's own cancel, with its clean error, normally come before the socket timeout. */
    private static final long NETWORK_MARGIN_MS = 100;
    private static final Executor DIRECT = Runnable::run;
    /** What the pool calls while checking out or validating: none of it means a caller holds the connection. */
    private static final Set<String> PASS_THROUGH = Set.of("setNetworkTimeout", "getNetworkTimeout", "isValid",
            "close", "isClosed", "abort", "unwrap", "isWrapperFor", "toString", "hashCode", "equals");

    private final long statementTimeoutMs;

    public DeadlineAwareDataSource(DataSource delegate, Duration statementTimeout) {
        super(delegate);
        this.statementTimeoutMs = statementTimeout.toMillis();
    }

    @Override
    protected Connection wrap(Connection connection) throws SQLException {
        Bounds bounds = new Bounds(connection, connection.getNetworkTimeout());
        InvocationHandler handler = (proxy, method, args) -> {
            String name = method.getName();
            if (PASS_THROUGH.contains(name)) {
                Object result = invoke(connection, method, args);
                if (name.equals("setNetworkTimeout")) {
                    // Set by its user (the pool, the webhook intake): theirs until they change it.
                    bounds.applied = (Integer) args[1];
                    bounds.ours = false;
                }
                return result;
            }
            UnitDeadline unit = UnitDeadline.current();
            long remaining = bounds.apply(unit);
            if (bounds.beginning && (name.startsWith("prepare") || name.equals("createStatement"))) {
                bounds.beginning = false;
                if (unit != null && remaining < statementTimeoutMs) {
                    // The transaction's first statement: what follows gets at most what remains, server-side (SET
                    // LOCAL, so that it also holds behind PgBouncer in transaction mode). Not a JDBC query timeout:
                    // its cancel request to a hung server holds the statement's thread for cancelSignalTimeout.
                    try (PreparedStatement st = connection.prepareStatement(
                            "SELECT set_config('statement_timeout', ?, true)")) {
                        st.setString(1, Math.max(1, remaining) + "ms");
                        st.execute();
                    }
                }
            }
            Object result = invoke(connection, method, args);
            switch (name) {
                case "setAutoCommit" -> bounds.beginning = Boolean.FALSE.equals(args[0]);
                case "commit", "rollback" -> bounds.beginning = !connection.getAutoCommit();
                default -> { }
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
    }

    /** The network timeout a connection has by default and the one it has now. */
    private static final class Bounds {
        private final Connection connection;
        private final int own;
        private int applied;
        /** The network timeout now on the socket is one this class set for a unit. */
        private boolean ours;
        /** A transaction has begun and no statement has been created in it yet. */
        private boolean beginning;

        Bounds(Connection connection, int own) {
            this.connection = connection;
            this.own = own;
            this.applied = own;
        }

        /** Sets the network timeout for a call made under {@code unit} (or none); answers the unit's remaining ms. */
        long apply(UnitDeadline unit) throws SQLException {
            if (unit == null) {
                if (ours) {
                    // A unit's bound outlives it on the socket: the connection's own comes back.
                    connection.setNetworkTimeout(DIRECT, own);
                    applied = own;
                    ours = false;
                }
                return Long.MAX_VALUE;
            }
            unit.connected();
            long remaining = unit.remainingMillis();
            long bounded = Math.max(1, remaining) + NETWORK_MARGIN_MS;
            int wanted = (int) (own == 0 ? bounded : Math.min(own, bounded));
            long effective = applied == 0 ? Long.MAX_VALUE : applied;
            // Re-applied only when off by more than the margin: a socket timeout set per call costs little, not nothing.
            if (effective > wanted + NETWORK_MARGIN_MS || effective < wanted - NETWORK_MARGIN_MS) {
                connection.setNetworkTimeout(DIRECT, wanted);
                applied = wanted;
                ours = true;
            }
            return remaining;
        }
    }
}
