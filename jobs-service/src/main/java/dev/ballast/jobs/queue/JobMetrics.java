package dev.ballast.jobs.queue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The queue's Micrometer meters. The {@code type} tag is a job type with a handler, else {@code unknown}, so that
 * enqueued type names (caller input) cannot grow the number of series.
 */
@Singleton
public final class JobMetrics {

    private final MeterRegistry meters;
    private final Set<String> handledTypes;
    private final Counter fenceRejected;
    private final Counter leaseLost;
    private final Timer claimLatency;

    JobMetrics(MeterRegistry meters, JobHandlers handlers) {
        this.meters = meters;
        this.handledTypes = handlers.types();
        this.fenceRejected = Counter.builder("ballast.jobs.fence.rejected")
                .description("outcomes not written because the attempt no longer held the job (late finisher, cancelled)")
                .register(meters);
        this.leaseLost = Counter.builder("ballast.jobs.lease.lost")
                .description("running attempts whose heartbeat found the job rescued or cancelled").register(meters);
        this.claimLatency = Timer.builder("ballast.jobs.claim.latency").description("one claim statement")
                .register(meters);
    }

    // Meters of one type tag and outcome, looked up once: the registry's builder lookups cost on every job otherwise.
    private record Finished(Counter counter, Timer duration) {
    }

    private final Map<String, Counter> claimedByType = new ConcurrentHashMap<>();
    private final Map<String, Counter> deadByType = new ConcurrentHashMap<>();
    private final Map<String, Map<AttemptEnd, Finished>> finishedByType = new ConcurrentHashMap<>();

    private String tag(String type) {
        return handledTypes.contains(type) ? type : "unknown";
    }

    void claimed(String type) {
        claimedByType.computeIfAbsent(tag(type), t -> meters.counter("ballast.jobs.claimed", "type", t)).increment();
    }

    void claimTook(long nanos) {
        claimLatency.record(Duration.ofNanos(nanos));
    }

    /** One attempt's outcome ({@code succeeded}, {@code retry}, {@code timeout}, {@code dead}, {@code snoozed}). */
    void finished(String type, AttemptEnd outcome, JobState status, long nanos) {
        String t = tag(type);
        Finished f = finishedByType.computeIfAbsent(t, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, o -> new Finished(switch (o) {
                    case SUCCEEDED -> meters.counter("ballast.jobs.succeeded", "type", t);
                    case SNOOZED -> meters.counter("ballast.jobs.snoozed", "type", t);
                    case RETRY, DEAD, TIMEOUT, CANCELLED, ABANDONED ->
                            meters.counter("ballast.jobs.failed", "type", t, "outcome", o.column());
                }, meters.timer("ballast.jobs.handler.duration", "type", t, "outcome", o.column())));
        f.counter().increment();
        if (status == JobState.DEAD) {
            deadByType.computeIfAbsent(t, k -> meters.counter("ballast.jobs.dead", "type", k)).increment();
        }
        f.duration().record(nanos, TimeUnit.NANOSECONDS);
    }

    void fenceRejected(int n) {
        fenceRejected.increment(n);
    }

    void leaseLost() {
        leaseLost.increment();
    }

    void rescued(int available, int dead) {
        meters.counter("ballast.jobs.rescued", "to", JobState.AVAILABLE.column()).increment(available);
        meters.counter("ballast.jobs.rescued", "to", JobState.DEAD.column()).increment(dead);
    }

    void pruned(long n) {
        meters.counter("ballast.jobs.pruned").increment(n);
    }
}
