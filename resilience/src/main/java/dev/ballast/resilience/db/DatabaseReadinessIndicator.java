package dev.ballast.resilience.db;

import io.micronaut.context.annotation.Requires;
import io.micronaut.core.async.publisher.Publishers;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.health.HealthStatus;
import io.micronaut.jdbc.DataSourceResolver;
import io.micronaut.management.health.indicator.HealthIndicator;
import io.micronaut.management.health.indicator.HealthResult;
import io.micronaut.management.health.indicator.annotation.Readiness;
import jakarta.inject.Singleton;
import org.reactivestreams.Publisher;

import java.sql.Connection;
import java.sql.Statement;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.sql.DataSource;

/**
 * Ready only when this service's migrations have run and the database answers a query within the
 * readiness timeout. Replaces Micronaut's JDBC indicator, which knows nothing of migrations and can wait
 * as long as the pool's acquisition timeout.
 */
@Singleton
@Readiness
@Requires(beans = SchemaMigrator.class)
public final class DatabaseReadinessIndicator implements HealthIndicator {

    private static final String NAME = "database";
    private static final Executor PROBES = Executors.newVirtualThreadPerTaskExecutor();

    private final DataSource dataSource;
    private final SchemaMigrator migrator;
    private final DatabaseSettings settings;

    public DatabaseReadinessIndicator(DataSource dataSource, @Nullable DataSourceResolver resolver,
                                      SchemaMigrator migrator, DatabaseSettings settings) {
        this.dataSource = JdbcRunner.resolve(dataSource, resolver);
        this.migrator = migrator;
        this.settings = settings;
    }

    @Override
    public Publisher<HealthResult> getResult() {
        if (!migrator.migrated()) {
            return Publishers.just(result(HealthStatus.DOWN, "migrations pending: " + migrator.lastFailure()));
        }
        long timeoutMs = settings.readinessTimeout().toMillis();
        CompletableFuture<HealthResult> probe = CompletableFuture
                .supplyAsync(this::query, PROBES)
                .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
                .exceptionally(e -> result(HealthStatus.DOWN, e instanceof TimeoutException
                        ? "no answer within " + timeoutMs + " ms"
                        : DbFailureClassifier.classify(e) + " sqlstate=" + DbFailureClassifier.sqlState(e)));
        return Publishers.fromCompletableFuture(probe);
    }

    private HealthResult query() {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.setQueryTimeout((int) Math.max(1, settings.readinessTimeout().toSeconds()));
            st.execute("SELECT 1");
            return result(HealthStatus.UP, null);
        } catch (Exception e) {
            return result(HealthStatus.DOWN, DbFailureClassifier.classify(e) + " sqlstate=" + DbFailureClassifier.sqlState(e));
        }
    }

    private HealthResult result(HealthStatus status, String problem) {
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("schema", migrator.schema());
        details.put("migrations", migrator.state().name().toLowerCase());
        if (problem != null) {
            details.put("problem", problem);
        }
        return HealthResult.builder(NAME, status).details(details).build();
    }
}
