package dev.ballast.jobs.queue;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Worker knobs ({@code ballast.jobs.workers.*}).
 *
 * @param enabled           false: this replica runs no worker pool (cron-only deployments use {@code POST /cron/jobs/run})
 * @param concurrency       jobs running at once in this replica's pool
 * @param batchSize         most jobs claimed per statement; 0 means {@code concurrency}. The pool never holds more
 *                          than {@code concurrency + batchSize} claimed jobs whose outcome is not written yet (running,
 *                          waiting in this process for a handler slot under a heartbeated lease, or finished)
 * @param prefetchWindow    beyond the jobs it can run at once, a pool claims only as many as it is expected to finish
 *                          within this window at the handlers' recent mean run time (at most {@code batchSize};
 *                          {@code concurrency} until a handler has finished): fast jobs are claimed by the hundred,
 *                          slow ones are left for other replicas. 0: always up to a whole batch
 * @param pollInterval      how often an idle pool looks for due jobs when no NOTIFY wakes it (the only wake-up
 *                          behind PgBouncer)
 * @param lease             how long a claimed job stays hidden from other workers without a heartbeat
 * @param heartbeatInterval how often running jobs' leases are extended; 0 means {@code lease / 3}
 * @param rescueInterval    how often expired leases are looked for (and handed back)
 * @param workerId          this pool's name in {@code locked_by} and attempts; empty: host name and a random suffix
 * @param shutdownGrace     how long stopping waits for running handlers before interrupting them
 * @param completerBatch    most outcomes written per statement
 */
@ConfigurationProperties("ballast.jobs.workers")
public record WorkerSettings(
        @Bindable(defaultValue = "true") boolean enabled,
        @Bindable(defaultValue = "8") int concurrency,
        @Bindable(defaultValue = "256") int batchSize,
        @Bindable(defaultValue = "20ms") Duration prefetchWindow,
        @Bindable(defaultValue = "1s") Duration pollInterval,
        @Bindable(defaultValue = "30s") Duration lease,
        @Bindable(defaultValue = "0s") Duration heartbeatInterval,
        @Bindable(defaultValue = "5s") Duration rescueInterval,
        @Nullable String workerId,
        @Bindable(defaultValue = "10s") Duration shutdownGrace,
        @Bindable(defaultValue = "500") int completerBatch) {

    public WorkerSettings {
        if (concurrency < 1 || concurrency > 10_000) {
            throw new ConfigurationException("ballast.jobs.workers.concurrency must be 1..10000, got " + concurrency);
        }
        if (batchSize < 0 || batchSize > 10_000) {
            throw new ConfigurationException("ballast.jobs.workers.batch-size must be 0..10000, got " + batchSize);
        }
        if (prefetchWindow.isNegative()) {
            throw new ConfigurationException("ballast.jobs.workers.prefetch-window must not be negative");
        }
        if (lease.toMillis() < 100) {
            throw new ConfigurationException("ballast.jobs.workers.lease must be at least 100ms, got " + lease);
        }
        if (!heartbeatInterval.isZero() && heartbeatInterval.compareTo(lease.dividedBy(2)) > 0) {
            throw new ConfigurationException("ballast.jobs.workers.heartbeat-interval (" + heartbeatInterval
                    + ") must be at most half the lease (" + lease + "), or leases run out between heartbeats");
        }
        if (pollInterval.toMillis() < 10 || rescueInterval.toMillis() < 10) {
            throw new ConfigurationException("ballast.jobs.workers.poll-interval and rescue-interval must be >= 10ms");
        }
        if (completerBatch < 1) {
            throw new ConfigurationException("ballast.jobs.workers.completer-batch must be >= 1");
        }
    }

    public int claimBatch() {
        return batchSize == 0 ? concurrency : batchSize;
    }

    /** Most claimed jobs a pool holds before their outcomes are written: a batch on top of the running ones. */
    public int held() {
        return concurrency + claimBatch();
    }

    /**
     * Jobs a pool should hold beyond its running ones, given the handlers' mean run time (0: none finished yet).
     */
    public int prefetch(long meanRunNanos) {
        int batch = claimBatch();
        if (prefetchWindow.isZero()) {
            return batch;
        }
        if (meanRunNanos <= 0) {
            return Math.min(batch, concurrency);
        }
        double expected = (double) concurrency * prefetchWindow.toNanos() / meanRunNanos;
        return (int) Math.min(batch, Math.ceil(expected));
    }

    public Duration heartbeat() {
        return heartbeatInterval.isZero() ? lease.dividedBy(3) : heartbeatInterval;
    }
}
