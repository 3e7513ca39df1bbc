package dev.ballast.webhook.outbox;

import dev.ballast.resilience.Backoff;
import dev.ballast.resilience.db.DatabaseSettings;
import dev.ballast.resilience.db.DbFailureClassifier;
import dev.ballast.resilience.db.DbRetry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import jakarta.annotation.PreDestroy;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Properties;

/**
 * Wakes the {@link OutboxRelay} when outbox rows are committed anywhere: LISTENs on the channel the
 * {@code outbox_due_notify} trigger notifies, on a dedicated connection outside the pool (it is held for good). After a
 * lost connection it reconnects with backoff and wakes the relay once, since notifications sent meanwhile are gone;
 * the interval covers the gap. Off behind PgBouncer in transaction mode (LISTEN needs a session of its own) and when
 * the relay is off.
 */
@Context
final class OutboxWakeups {

    static final String CHANNEL = "ballast_outbox_due";
    private static final Logger LOG = LoggerFactory.getLogger(OutboxWakeups.class);
    // A silent connection is checked this often, so that a dead one (frozen network) is noticed and replaced.
    private static final long PROBE_EVERY_MS = 10_000;
    private static final int WAIT_MS = 1_000;

    private final OutboxRelay relay;
    private final String url;
    private final Properties properties = new Properties();
    private final Backoff backoff;
    private final Thread thread;

    OutboxWakeups(OutboxRelay relay, OutboxRelaySettings settings, DatabaseSettings database, DbRetry retry,
                  @Value("${datasources.default.url}") String url,
                  @Value("${datasources.default.username:}") String user,
                  @Value("${datasources.default.password:}") String password,
                  @Value("${datasources.default.data-source-properties.connectTimeout:2}") String connectTimeout) {
        this.relay = relay;
        this.url = url;
        this.backoff = retry.policy().backoff();
        properties.setProperty("user", user);
        properties.setProperty("password", password);
        properties.setProperty("connectTimeout", connectTimeout);
        properties.setProperty("socketTimeout", "15");
        properties.setProperty("tcpKeepAlive", "true");
        properties.setProperty("ApplicationName", "webhook-service-outbox-listener");
        if (!settings.enabled()) {
            thread = null;
        } else if (database.pgbouncer()) {
            thread = null;
            LOG.info("outbox relay wake-up by its interval only (ballast.db.pgbouncer=true: no LISTEN through PgBouncer)");
        } else {
            thread = Thread.ofVirtual().name("outbox-listener").start(this::listen);
        }
    }

    private void listen() {
        int failures = 0;
        while (!Thread.currentThread().isInterrupted()) {
            try (Connection c = DriverManager.getConnection(url, properties)) {
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + CHANNEL);
                }
                if (failures > 0) {
                    LOG.info("outbox wake-up listener connected again after {} failures", failures);
                }
                failures = 0;
                // Anything committed while we were not listening was not heard.
                relay.wake();
                PGConnection pg = c.unwrap(PGConnection.class);
                long lastHeard = System.currentTimeMillis();
                while (!Thread.currentThread().isInterrupted()) {
                    PGNotification[] notes = pg.getNotifications(WAIT_MS);
                    long now = System.currentTimeMillis();
                    if (notes != null && notes.length > 0) {
                        relay.wake();
                        lastHeard = now;
                    } else if (now - lastHeard > PROBE_EVERY_MS) {
                        try (Statement st = c.createStatement()) {
                            st.execute("SELECT 1");
                        }
                        lastHeard = now;
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    return;
                }
                failures++;
                if (failures == 1) {
                    LOG.warn("outbox wake-up listener lost its connection, reconnecting with backoff (interval "
                            + "meanwhile): {} sqlstate={}", DbFailureClassifier.classify(e), DbFailureClassifier.sqlState(e));
                }
                try {
                    Thread.sleep(Math.max(100, backoff.delayMillis(Math.min(failures, 10))));
                } catch (InterruptedException ie) {
                    return;
                }
            }
        }
    }

    @PreDestroy
    void stop() {
        if (thread != null) {
            thread.interrupt();
        }
    }
}
