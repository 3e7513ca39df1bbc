package dev.ballast.jobs.admin;

import dev.ballast.jobs.admin.AdminApi.StatsRow;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Queue gauges per (type, live status): {@code ballast.jobs.depth}, {@code ballast.jobs.due} and
 * {@code ballast.jobs.oldest.age} (seconds the longest-waiting due job has waited). One stats query per
 * {@code ballast.jobs.admin.stats-interval} feeds them; a scrape reads the last values and never queries, however
 * often it comes. A group that empties reports 0 rather than vanishing.
 */
@Singleton
public final class JobStatsGauges {

    private static final Logger LOG = LoggerFactory.getLogger(JobStatsGauges.class);

    private record Key(String type, String status) {
    }

    private final JobAdministration admin;
    private final MeterRegistry meters;
    private final AdminSettings settings;
    private final Map<Key, StatsRow> latest = new ConcurrentHashMap<>();
    private volatile boolean failing;

    JobStatsGauges(JobAdministration admin, MeterRegistry meters, AdminSettings settings) {
        this.admin = admin;
        this.meters = meters;
        this.settings = settings;
    }

    @Scheduled(fixedDelay = "${ballast.jobs.admin.stats-interval:30s}",
            initialDelay = "${ballast.jobs.admin.stats-initial-delay:10s}")
    void scheduledRefresh() {
        if (settings.statsEnabled()) {
            refresh();
        }
    }

    /** Runs the stats query once and publishes it; a failure keeps the last values and logs once until it heals. */
    public void refresh() {
        try {
            Set<Key> seen = new HashSet<>();
            for (StatsRow row : admin.stats().groups()) {
                Key key = new Key(row.type(), row.status());
                seen.add(key);
                if (latest.put(key, row) == null) {
                    register(key);
                }
            }
            latest.replaceAll((key, row) -> seen.contains(key) ? row : new StatsRow(key.type(), key.status(), 0, 0, 0));
            if (failing) {
                LOG.info("job stats readable again");
                failing = false;
            }
        } catch (Exception e) {
            if (!failing) {
                LOG.warn("job stats query failed, gauges keep their last values: {}", e.toString());
                failing = true;
            }
        }
    }

    private void register(Key key) {
        Tags tags = Tags.of("type", key.type(), "status", key.status());
        Gauge.builder("ballast.jobs.depth", latest, m -> value(m, key, StatsRow::depth))
                .description("jobs in this state").tags(tags).register(meters);
        Gauge.builder("ballast.jobs.due", latest, m -> value(m, key, StatsRow::due))
                .description("jobs in this state whose run_at has passed").tags(tags).register(meters);
        Gauge.builder("ballast.jobs.oldest.age", latest, m -> value(m, key, StatsRow::oldestAgeSeconds))
                .description("how long the longest-waiting due job in this state has been due").baseUnit("seconds")
                .tags(tags).register(meters);
    }

    private static double value(Map<Key, StatsRow> rows, Key key, java.util.function.ToDoubleFunction<StatsRow> f) {
        StatsRow row = rows.get(key);
        return row == null ? 0 : f.applyAsDouble(row);
    }
}
