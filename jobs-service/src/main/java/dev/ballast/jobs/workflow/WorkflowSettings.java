package dev.ballast.jobs.workflow;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * {@code ballast.jobs.workflows.*}.
 *
 * @param serviceToken    bearer token of {@code /workflows/**}; unset: 503
 * @param dedupeWindow    a trigger equal to one started less than this ago returns that execution
 * @param maxTriggerBytes largest request body accepted
 */
@ConfigurationProperties("ballast.jobs.workflows")
public record WorkflowSettings(@Nullable String serviceToken,
                               @Bindable(defaultValue = "1h") Duration dedupeWindow,
                               @Bindable(defaultValue = "65536") int maxTriggerBytes) {

    public WorkflowSettings {
        if (!dedupeWindow.isPositive()) {
            throw new IllegalArgumentException("ballast.jobs.workflows.dedupe-window must be positive");
        }
    }

    @Override
    public String toString() {
        return "WorkflowSettings[serviceToken=" + (serviceToken == null || serviceToken.isBlank() ? "unset" : "set")
                + ", dedupeWindow=" + dedupeWindow + ", maxTriggerBytes=" + maxTriggerBytes + "]";
    }
}
