package dev.ballast.resilience.db;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;

/**
 * Gives every statement a JDBC query timeout. Written here because neither Hikari nor pgjdbc has a
 * pool-wide default, and behind PgBouncer in transaction mode a session-level statement_timeout would
 * land on whichever server connection happens to be shared: the driver's cancel request is what holds there.
 */
public final class QueryTimeoutDataSource extends ConnectionWrappingDataSource {

    private final int timeoutSeconds;

    public QueryTimeoutDataSource(DataSource delegate, Duration timeout) {
        super(delegate);
        this.timeoutSeconds = (int) Math.max(1, (timeout.toMillis() + 999) / 1000);
    }

    @Override
    protected Connection wrap(Connection connection) {
        InvocationHandler handler = (proxy, method, args) -> {
            Object result = invoke(connection, method, args);
            if (result instanceof Statement statement && statement.getQueryTimeout() == 0) {
                statement.setQueryTimeout(timeoutSeconds);
            }
            return result;
        };
        return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(),
                new Class<?>[] {Connection.class}, handler);
    }
}
