package dev.ballast.resilience.db;

import dev.ballast.resilience.Backoff;
import com.zaxxer.hikari.HikariConfig;
import dev.ballast.resilience.Causes;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Requires;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.jdbc.DataSourceResolver;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.flywaydb.core.Flyway;
import org.postgresql.ds.PGSimpleDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import javax.sql.DataSource;

/**
 * Runs Flyway on this service's own schema in the background, retrying until the database answers.
 * Micronaut's Flyway module migrates while the data source bean is created, which would make start-up fail
 * whenever the database is unreachable; here the service starts, reports not-ready, and becomes ready once
 * the database appears and the migration has run.
 */
@Context
@Requires(property = "ballast.db.schema")
public final class SchemaMigrator {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);
    private static final Duration LOG_EVERY = Duration.ofSeconds(30);

    /** Where the migration stands. */
    public enum State { PENDING, MIGRATED }

    private final DataSource dataSource;
    private final DatabaseSettings settings;
    private volatile State state = State.PENDING;
    private volatile String lastFailure = "not attempted yet";
    private final Backoff backoff;
    private volatile Thread worker;

    public SchemaMigrator(DataSource dataSource, @Nullable DataSourceResolver resolver, DatabaseSettings settings) {
        if (settings.schema() == null || !settings.schema().matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("ballast.db.schema must be a lower-case SQL identifier");
        }
        // The injected bean is Micronaut Data's contextual proxy; Flyway needs the pool itself.
        DataSource pool = JdbcRunner.resolve(dataSource, resolver);
        this.dataSource = settings.separateMigrationUrl() ? direct(pool, settings) : pool;
        this.settings = settings;
        this.backoff = new Backoff(settings.migrationRetryBase(), settings.migrationRetryCap());
    }

    @PostConstruct
    void start() {
        worker = Thread.ofVirtual().name("schema-migrator-" + settings.schema()).start(this::migrateUntilDone);
    }

    @PreDestroy
    void stop() {
        Thread t = worker;
        if (t != null) {
            t.interrupt();
        }
    }

    public State state() {
        return state;
    }

    public boolean migrated() {
        return state == State.MIGRATED;
    }

    /** Why the last attempt failed: an error class and SQLState, never a connection string or secret. */
    public String lastFailure() {
        return lastFailure;
    }

    public String schema() {
        return settings.schema();
    }

    private void migrateUntilDone() {
        Flyway flyway = Flyway.configure(getClass().getClassLoader())
                .dataSource(dataSource)
                .schemas(settings.schema())
                .defaultSchema(settings.schema())
                .createSchemas(true)
                .locations("classpath:db/migration")
                .load();
        Instant lastLog = Instant.MIN;
        long started = System.nanoTime();
        for (int attempt = 1; !Thread.currentThread().isInterrupted(); attempt++) {
            try {
                int applied = flyway.migrate().migrationsExecuted;
                state = State.MIGRATED;
                LOG.info("schema={} migrated applied={} attempts={} took_ms={}", settings.schema(),
                        applied, attempt, (System.nanoTime() - started) / 1_000_000);
                return;
            } catch (RuntimeException e) {
                DbFailureClassifier.Kind kind = DbFailureClassifier.classify(e);
                lastFailure = kind + " " + rootName(e) + " sqlstate=" + DbFailureClassifier.sqlState(e);
                if (Duration.between(lastLog, Instant.now()).compareTo(LOG_EVERY) >= 0) {
                    lastLog = Instant.now();
                    if (kind == DbFailureClassifier.Kind.TRANSIENT) {
                        LOG.warn("schema={} migration waits for the database: {} attempt={}", settings.schema(),
                                lastFailure, attempt);
                    } else {
                        LOG.error("schema={} migration failed, retrying: {} attempt={} message={}",
                                settings.schema(), lastFailure, attempt, firstLine(e));
                    }
                }
            }
            try {
                Thread.sleep(backoff(attempt));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Unpooled connections to the migration URL with the pool's credentials, bounded like the pool's. */
    private static DataSource direct(DataSource pool, DatabaseSettings settings) {
        PGSimpleDataSource direct = new PGSimpleDataSource();
        direct.setURL(settings.migrationUrl());
        if (pool instanceof HikariConfig hikari) {
            direct.setUser(hikari.getUsername());
            direct.setPassword(hikari.getPassword());
        }
        direct.setSocketTimeout(Math.toIntExact((settings.networkTimeout().toMillis() + 999) / 1000));
        direct.setApplicationName("flyway-" + settings.schema());
        return direct;
    }

    private long backoff(int attempt) {
        // A floor under the jitter so that a migrator never spins against a database that is not there.
        return Math.max(settings.migrationRetryBase().toMillis() / 2, backoff.delayMillis(attempt));
    }

    private static String rootName(Throwable e) {
        return Causes.root(e).getClass().getSimpleName();
    }

    private static String firstLine(Throwable e) {
        String m = String.valueOf(e.getMessage());
        int nl = m.indexOf('\n');
        return nl < 0 ? m : m.substring(0, nl);
    }
}
