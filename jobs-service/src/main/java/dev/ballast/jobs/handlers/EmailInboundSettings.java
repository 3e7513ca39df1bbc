package dev.ballast.jobs.handlers;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Steps of the inbound email post-process that can be switched off ({@code ballast.jobs.handlers.email-inbound.*}).
 *
 * @param slackEnabled      post a Slack notice per reply
 * @param enrichmentEnabled ask EmailBison about the sender
 */
@ConfigurationProperties("ballast.jobs.handlers.email-inbound")
public record EmailInboundSettings(@Bindable(defaultValue = "true") boolean slackEnabled,
                                   @Bindable(defaultValue = "true") boolean enrichmentEnabled) {
}
