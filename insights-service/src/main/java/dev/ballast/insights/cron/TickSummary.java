package dev.ballast.insights.cron;

import io.micronaut.serde.annotation.Serdeable;

/**
 * What one tick did, answered and logged as one line. {@code stoppedBy}: {@code idle} (nothing to do), {@code done}
 * (every claimed item got its step), {@code budget} (the time budget ran out first) or {@code db_unavailable} (the
 * connection circuit opened).
 *
 * @param packLimit            most packs (or booked leads) one tick takes on
 * @param maxThreadsToProcess  most leads one pack's step works on (booked summaries: candidate rows read)
 * @param concurrency          most LLM calls in flight
 * @param packsTouched         packs (or booked leads) this tick worked on
 * @param leadsProcessed       insights (or summaries) written
 * @param leadsFailed          lead attempts that failed and were recorded (retried on a later tick, or given up)
 * @param connectionErrors     database attempts that failed transiently
 * @param retries              database retries
 */
@Serdeable
public record TickSummary(String cron, int packLimit, int maxThreadsToProcess, int concurrency, int packsTouched,
                          int leadsProcessed, int leadsFailed, int connectionErrors, int retries,
                          boolean circuitBreakerTriggered, boolean exitedEarly, String stoppedBy, long durationMs) {

    /** The one log line: key=value pairs a log query can split. */
    public String logLine() {
        return "insights tick cron=" + cron + " packLimit=" + packLimit + " maxThreadsToProcess=" + maxThreadsToProcess
                + " concurrency=" + concurrency + " packsTouched=" + packsTouched + " leadsProcessed=" + leadsProcessed
                + " leadsFailed=" + leadsFailed + " connectionErrors=" + connectionErrors + " retries=" + retries
                + " circuitBreakerTriggered=" + circuitBreakerTriggered + " exitedEarly=" + exitedEarly
                + " stoppedBy=" + stoppedBy + " durationMs=" + durationMs;
    }
}
