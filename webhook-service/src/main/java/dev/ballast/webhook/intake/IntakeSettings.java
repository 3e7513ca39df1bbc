package dev.ballast.webhook.intake;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Webhook intake knobs ({@code ballast.webhook.intake.*}).
 *
 * @param maxBodyBytes       larger bodies are refused with 413 before they are parsed
 * @param timeBudget         a delivery that cannot be stored within this time is refused so that it is redelivered
 * @param statementTimeout   upper bound for each statement of the intake transaction (never above the remaining budget)
 * @param retryAfter         the Retry-After given to a provider when the delivery could not be stored
 * @param signatureTolerance how far a Standard Webhooks timestamp may be from our clock, either way
 * @param onEventLoop        run deliveries on the HTTP event loop that read them (blocking it for at most the
 *                           time budget) rather than on the blocking executor; size the loops with
 *                           {@code micronaut.server.netty.worker.threads}
 */
@ConfigurationProperties("ballast.webhook.intake")
public record IntakeSettings(
        @Bindable(defaultValue = "262144") int maxBodyBytes,
        @Bindable(defaultValue = "2s") Duration timeBudget,
        @Bindable(defaultValue = "2s") Duration statementTimeout,
        @Bindable(defaultValue = "10s") Duration retryAfter,
        @Bindable(defaultValue = "5m") Duration signatureTolerance,
        @Bindable(defaultValue = "true") boolean onEventLoop) {

    public IntakeSettings {
        if (maxBodyBytes < 1 || timeBudget.isNegative() || timeBudget.isZero() || statementTimeout.isNegative()
                || statementTimeout.isZero()) {
            throw new IllegalArgumentException("intake limits must be positive: " + maxBodyBytes + " bytes, budget "
                    + timeBudget + ", statement timeout " + statementTimeout);
        }
    }

    public long retryAfterSeconds() {
        return Math.max(1, retryAfter.toSeconds());
    }
}
