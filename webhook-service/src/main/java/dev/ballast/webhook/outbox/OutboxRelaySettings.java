package dev.ballast.webhook.outbox;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Outbox relay knobs ({@code ballast.webhook.outbox.relay.*}). The interval itself is read by the scheduler from
 * {@code ballast.webhook.outbox.relay.interval}: the fallback wake-up (the intake wakes its own process's relay when it
 * commits outbox rows), and the only one for another replica's rows or while jobs-service is down.
 *
 * @param enabled     {@code false} stops the scheduled runs and the wake-ups (a direct {@link OutboxRelay#relayOnce()}
 *                    still works)
 * @param batchSize   rows claimed per run and sent in one {@code POST /jobs/bulk}; at most jobs-service's
 *                    {@code ballast.jobs.bulk-max-items} (a larger batch is refused with 413 and sent in halves)
 * @param lease       how long a claimed row stays invisible to other replicas; must outlast a whole jobs call
 *                    (its {@code ballast.clients.jobs.deadline}), or a slow send could be repeated elsewhere
 * @param inFlight    runs at once per replica (each claims its own batch: SKIP LOCKED): a commit during a run starts
 *                    another, and so does a full claim; one while jobs-service is down
 * @param backoffBase ceiling of the first per-row delay after a failed send (full jitter)
 * @param backoffCap  ceiling of every per-row delay
 */
@ConfigurationProperties("ballast.webhook.outbox.relay")
public record OutboxRelaySettings(
        @Bindable(defaultValue = "true") boolean enabled,
        @Bindable(defaultValue = "200") int batchSize,
        @Bindable(defaultValue = "2m") Duration lease,
        @Bindable(defaultValue = "2") int inFlight,
        @Bindable(defaultValue = "1s") Duration backoffBase,
        @Bindable(defaultValue = "5m") Duration backoffCap) {

    public OutboxRelaySettings {
        if (batchSize < 1 || inFlight < 1) {
            throw new IllegalArgumentException("ballast.webhook.outbox.relay batch-size and in-flight must be at least 1");
        }
        if (!lease.isPositive()) {
            throw new IllegalArgumentException("ballast.webhook.outbox.relay.lease must be positive");
        }
    }
}
