package dev.ballast.integrations.health;

import dev.ballast.integrations.providers.Provider;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.JdbcRunner;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code ballast.integrations.health.state{provider,state}}: how many workspaces' integrations of a provider are in
 * each state, read from the health records every {@code INTEGRATIONS_HEALTH_GAUGE_INTERVAL}, so an alert can fire on
 * DISCONNECTED without a workspace label per series.
 */
@Singleton
public final class HealthGauges {

    private static final Logger LOG = LoggerFactory.getLogger(HealthGauges.class);
    static final List<String> STATES = List.of("CONNECTED", "DEGRADED", "DISCONNECTED", "UNKNOWN");

    private final JdbcRunner jdbc;
    private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

    HealthGauges(JdbcRunner jdbc, MeterRegistry meters) {
        this.jdbc = jdbc;
        for (Provider provider : Provider.values()) {
            for (String state : STATES) {
                AtomicLong n = counts.computeIfAbsent(provider.id() + "/" + state, k -> new AtomicLong());
                Gauge.builder("ballast.integrations.health.state", n, AtomicLong::doubleValue)
                        .description("Integrations of a provider in a health state, over all workspaces")
                        .tag("provider", provider.id()).tag("state", state).register(meters);
            }
        }
    }

    @Scheduled(fixedDelay = "${ballast.integrations.health.gauge-interval:30s}", initialDelay = "5s")
    void refresh() {
        try {
            Map<String, Long> now = jdbc.query("health-gauges",
                    "SELECT provider, status, count(*) FROM integrations.integration_health GROUP BY 1, 2",
                    st -> { }, rs -> {
                        Map<String, Long> m = new java.util.HashMap<>();
                        while (rs.next()) {
                            m.put(rs.getString(1) + "/" + rs.getString(2), rs.getLong(3));
                        }
                        return m;
                    });
            counts.forEach((key, n) -> n.set(now.getOrDefault(key, 0L)));
        } catch (RuntimeException e) {
            // the gauges keep their last values; the outage itself is logged once by DbRetry
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("integration health gauges not refreshed: {}",
                    e.getClass().getSimpleName());
        }
    }
}
