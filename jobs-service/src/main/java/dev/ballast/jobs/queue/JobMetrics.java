package dev.ballast.jobs.queue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Set;

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

    private String tag(String type) {
        return handledTypes.contains(type) ? type : "unknown";
    }

    void claimed(String type) {
        meters.counter("ballast.jobs.claimed", "type", tag(type)).increment();
    }

    void claimTook(long nanos) {
        claimLatency.record(Duration.ofNanos(nanos));
    }

    /** One attempt's outcome ({@code succeeded}, {@code retry}, {@code timeout}, {@code dead}, {@code snoozed}). */
    void finished(String type, String outcome, String status, long nanos) {
        String t = tag(type);
        switch (outcome) {
            case "succeeded" -> meters.counter("ballast.jobs.succeeded", "type", t).increment();
            case "snoozed" -> meters.counter("ballast.jobs.snoozed", "type", t).increment();
            default -> meters.counter("ballast.jobs.failed", "type", t, "outcome", outcome).increment();
        }
        if (status.equals("dead")) {
            meters.counter("ballast.jobs.dead", "type", t).increment();
        }
        meters.timer("ballast.jobs.handler.duration", "type", t, "outcome", outcome).record(Duration.ofNanos(nanos));
    }

    void fenceRejected(int n) {
        fenceRejected.increment(n);
    }

    void leaseLost() {
        leaseLost.increment();
    }

    void rescued(int available, int dead) {
        meters.counter("ballast.jobs.rescued", "to", "available").increment(available);
        meters.counter("ballast.jobs.rescued", "to", "dead").increment(dead);
    }

    void pruned(long n) {
        meters.counter("ballast.jobs.pruned").increment(n);
    }
}
