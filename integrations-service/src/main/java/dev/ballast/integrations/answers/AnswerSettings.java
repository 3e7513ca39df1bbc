package dev.ballast.integrations.answers;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Stored answers ({@code ballast.integrations.answers.*}).
 *
 * @param retention         how long an answer is kept (and a key stays bound to its body) after it is stored
 * @param inFlightWait      how long a request whose key is in flight waits for that answer before it gets 409
 * @param pruneInterval     how often expired rows are deleted
 * @param pruneInitialDelay first pruning after start
 * @param pruneBatchSize    rows deleted per statement
 */
@ConfigurationProperties("ballast.integrations.answers")
public record AnswerSettings(
        @Bindable(defaultValue = "7d") Duration retention,
        @Bindable(defaultValue = "30s") Duration inFlightWait,
        @Bindable(defaultValue = "1h") Duration pruneInterval,
        @Bindable(defaultValue = "5m") Duration pruneInitialDelay,
        @Bindable(defaultValue = "1000") int pruneBatchSize) {
}
