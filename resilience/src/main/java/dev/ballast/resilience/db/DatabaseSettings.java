package dev.ballast.resilience.db;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * The database knobs every service shares ({@code ballast.db.*}).
 *
 * @param schema           the one schema this service owns and migrates
 * @param statementTimeout upper bound for any statement
 * @param pgbouncer        true when connections go through PgBouncer in transaction mode
 * @param readinessTimeout how long the readiness probe may wait for the database
 * @param migrationRetryBase first delay before retrying a migration that found no database
 * @param migrationRetryCap  longest delay between migration attempts
 * @param networkTimeout   longest wait for the server on a connection's socket outside any deadline (background
 *                         loops, migrations): above the statement timeout, so that the server's own cancel normally
 *                         comes first; it is what frees a thread when the database or the network hangs
 * @param retryAfter       the Retry-After of a 503 answered because the database is unavailable
 * @param migrationUrl     the JDBC URL Flyway migrates through (same credentials) when the pool's goes through a pooler
 *                         in transaction mode, where a migration's session settings would reach other clients' server
 *                         connections; empty: the pool's own connections
 */
@ConfigurationProperties("ballast.db")
public record DatabaseSettings(
        @Nullable String schema,
        @Bindable(defaultValue = "10s") Duration statementTimeout,
        @Bindable(defaultValue = "false") boolean pgbouncer,
        @Bindable(defaultValue = "2s") Duration readinessTimeout,
        @Bindable(defaultValue = "250ms") Duration migrationRetryBase,
        @Bindable(defaultValue = "5s") Duration migrationRetryCap,
        @Bindable(defaultValue = "15s") Duration networkTimeout,
        @Bindable(defaultValue = "5s") Duration retryAfter,
        @Nullable String migrationUrl) {

    public DatabaseSettings {
        if (networkTimeout.compareTo(statementTimeout) <= 0) {
            throw new IllegalArgumentException("ballast.db.network-timeout (" + networkTimeout
                    + ") must exceed ballast.db.statement-timeout (" + statementTimeout + ")");
        }
    }

    public int statementTimeoutMillis() {
        return Math.toIntExact(statementTimeout.toMillis());
    }

    public boolean separateMigrationUrl() {
        return migrationUrl != null && !migrationUrl.isBlank();
    }

    public long retryAfterSeconds() {
        return Math.max(1, retryAfter.toSeconds());
    }
}
