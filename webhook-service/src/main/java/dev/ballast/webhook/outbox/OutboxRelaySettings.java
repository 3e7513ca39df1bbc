package dev.ballast.webhook.outbox;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Outbox relay knobs ({@code ballast.webhook.outbox.relay.*}). The interval itself is read by the scheduler from
 * {@code ballast.webhook.outbox.relay.interval}.
 *
 * @param enabled     {@code false} stops the scheduled runs (a direct {@link OutboxRelay#relayOnce()} still works)
 * @param batchSize   rows claimed per run
 * @param lease       how long a claimed row stays invisible to other replicas; must outlast a whole jobs call
 *                    (its {@code ballast.clients.jobs.deadline}), or a slow send could be repeated elsewhere
 * @param inFlight    sends in flight at once within a run
 * @param backoffBase ceiling of the first per-row delay after a failed send (full jitter)
 * @param backoffCap  ceiling of every per-row delay
 */
@ConfigurationProperties("ballast.webhook.outbox.relay")
public record OutboxRelaySettings(
        @Bindable(defaultValue = "true") boolean enabled,
        @Bindable(defaultValue = "50") int batchSize,
        @Bindable(defaultValue = "2m") Duration lease,
        @Bindable(defaultValue = "4") int inFlight,
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
