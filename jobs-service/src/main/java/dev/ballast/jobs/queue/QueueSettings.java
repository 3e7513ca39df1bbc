package dev.ballast.jobs.queue;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Enqueue API and retention knobs ({@code ballast.jobs.*}).
 *
 * @param serviceToken    bearer token {@code POST /jobs} and {@code /jobs/bulk} require; empty: no token required
 * @param bulkMaxItems    most jobs in one {@code POST /jobs/bulk}
 * @param retention       finished jobs (succeeded, dead, cancelled) older than this are deleted
 * @param pruneBatchSize  jobs read (so at most deleted) per pruning statement, walking the primary key
 */
@ConfigurationProperties("ballast.jobs")
public record QueueSettings(
        @Nullable String serviceToken,
        @Bindable(defaultValue = "1000") int bulkMaxItems,
        @Bindable(defaultValue = "7d") Duration retention,
        @Bindable(defaultValue = "5000") int pruneBatchSize) {

    public QueueSettings {
        if (bulkMaxItems < 1 || pruneBatchSize < 1) {
            throw new ConfigurationException("ballast.jobs.bulk-max-items and prune-batch-size must be >= 1");
        }
    }
}
