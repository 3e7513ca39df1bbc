package dev.ballast.jobs.periodic;

import dev.ballast.resilience.db.DbRetry;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Every {@code ballast.jobs.periodic.interval} on every replica: for each enabled kind, the current UTC period, and
 * for each of the kind's workspaces its job for that period, enqueued by {@link PeriodicRuns} (which keeps it at one
 * per period across replicas). A tick that finds the period's jobs there already enqueues nothing, so ticking more
 * often than the period only costs a few key lookups and makes a missed tick (deploy, crash) harmless.
 */
@Singleton
public final class PeriodicScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(PeriodicScheduler.class);

    /** Jobs per kind: created this tick, and found already there. */
    public record Tick(Map<String, int[]> byKind) {
        public int created(String kind) {
            return byKind.getOrDefault(kind, new int[2])[0];
        }

        public int existing(String kind) {
            return byKind.getOrDefault(kind, new int[2])[1];
        }
    }

    private final List<PeriodicKind> kinds;
    private final PeriodicRuns runs;
    private final PeriodicSettings settings;
    private final Clock clock;

    PeriodicScheduler(List<PeriodicKind> kinds, PeriodicRuns runs, PeriodicSettings settings, Clock clock) {
        this.kinds = kinds;
        this.runs = runs;
        this.settings = settings;
        this.clock = clock;
    }

    @Scheduled(fixedDelay = "${ballast.jobs.periodic.interval:5m}",
            initialDelay = "${ballast.jobs.periodic.initial-delay:30s}")
    void scheduledTick() {
        if (!settings.enabled()) {
            return;
        }
        try {
            tick(clock.instant());
        } catch (RuntimeException e) {
            // the next tick tries again; nothing half-done is left (each enqueue is its own transaction)
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("periodic tick failed: {}", e.toString());
        }
    }

    public Tick tick(Instant now) {
        Map<String, int[]> counts = new LinkedHashMap<>();
        List<String> periodicTypes = kinds.stream().map(PeriodicKind::jobType).distinct().toList();
        List<UUID> active = null;
        for (PeriodicKind kind : kinds) {
            if (!kind.enabled()) {
                continue;
            }
            List<UUID> workspaces = kind.configuredWorkspaces();
            if (workspaces.isEmpty()) {
                if (active == null) {
                    active = runs.activeWorkspaces(now, settings.activeWithin(), periodicTypes);
                }
                workspaces = active;
            }
            String period = kind.period().key(now);
            int[] c = counts.computeIfAbsent(kind.name(), k -> new int[2]);
            for (UUID workspace : workspaces) {
                c[runs.enqueue(kind.name(), kind.jobType(), workspace, period).created() ? 0 : 1]++;
            }
            if (c[0] > 0) {
                LOG.info("periodic {} {}: enqueued {} jobs ({} there already)", kind.name(), period, c[0], c[1]);
            }
        }
        return new Tick(counts);
    }
}
