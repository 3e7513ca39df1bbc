package dev.ballast.helm;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.micronaut.context.env.PropertySource;
import io.micronaut.context.env.PropertySourcePropertyResolver;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With PgBouncer on, the services go through it in transaction mode, migrate past it, and Hikari recycles connections
 * before PgBouncer would close them.
 */
class PgBouncerTest {

    private final Rendered production = Chart.render(Chart.PRODUCTION);

    @Test
    void servicesConnectThroughPgBouncerAndKnowIt() {
        for (String service : Chart.services()) {
            Map<String, String> config = production.configOf(service);
            assertThat(config).containsEntry("DATABASE_PGBOUNCER", "true")
                    .containsEntry("DATABASE_URL", "jdbc:postgresql://ballast-pgbouncer:6432/ballast")
                    .containsEntry("DATABASE_MIGRATION_URL",
                            "jdbc:postgresql://pg-primary.db.svc.cluster.local:5432/ballast");
            Map<String, EnvVar> env = ConfigMapKnobsTest.envOf(production.of(Deployment.class, service));
            assertThat(env).doesNotContainKey("DATABASE_URL");
            assertThat(env.get("DATABASE_USER").getValueFrom().getSecretKeyRef().getKey())
                    .isEqualTo("pgbouncer-database-user");
            assertThat(env.get("DATABASE_PASSWORD").getValueFrom().getSecretKeyRef().getKey())
                    .isEqualTo("pgbouncer-database-password");
        }
        Container pgbouncer = production.of(Deployment.class, "pgbouncer").getSpec().getTemplate().getSpec()
                .getContainers().getFirst();
        assertThat(pgbouncer.getEnv()).anyMatch(e -> e.getName().equals("POOL_MODE") && e.getValue().equals("transaction"));
        assertThat(Chart.render().configOf("jobs")).containsEntry("DATABASE_PGBOUNCER", "false")
                .containsEntry("DATABASE_MIGRATION_URL", "").doesNotContainKey("DATABASE_URL");
    }

    @Test
    void hikariKeepaliveAndMaxLifetimeStayBelowPgBouncersClientIdleTimeout() {
        long idleMs = env(production.of(Deployment.class, "pgbouncer"), "CLIENT_IDLE_TIMEOUT") * 1000;
        for (String service : Chart.services()) {
            Map<String, String> config = production.configOf(service);
            assertThat(Long.parseLong(config.get("DATASOURCES_DEFAULT_MAX_LIFETIME"))).isLessThan(idleMs);
            assertThat(Long.parseLong(config.get("DATASOURCES_DEFAULT_KEEPALIVE_TIME"))).isLessThan(idleMs);
        }
    }

    @Test
    void theHikariVariablesReachThePoolsProperties() {
        // Micronaut maps an environment variable to every dotted/dashed reading of its name; the pool binds these two.
        Map<String, String> config = production.configOf("webhook");
        PropertySourcePropertyResolver resolver = new PropertySourcePropertyResolver(PropertySource.of("env",
                Map.of("DATASOURCES_DEFAULT_MAX_LIFETIME", config.get("DATASOURCES_DEFAULT_MAX_LIFETIME"),
                        "DATASOURCES_DEFAULT_KEEPALIVE_TIME", config.get("DATASOURCES_DEFAULT_KEEPALIVE_TIME")),
                PropertySource.PropertyConvention.ENVIRONMENT_VARIABLE, PropertySource.Origin.of("env")));
        assertThat(resolver.getProperty("datasources.default.max-lifetime", Long.class))
                .contains(Long.parseLong(config.get("DATASOURCES_DEFAULT_MAX_LIFETIME")));
        assertThat(resolver.getProperty("datasources.default.keepalive-time", Long.class))
                .contains(Long.parseLong(config.get("DATASOURCES_DEFAULT_KEEPALIVE_TIME")));
    }

    private static long env(Deployment deployment, String name) {
        return Long.parseLong(deployment.getSpec().getTemplate().getSpec().getContainers().getFirst().getEnv().stream()
                .filter(e -> e.getName().equals(name)).findFirst().orElseThrow().getValue());
    }
}
