package dev.ballast.jobs.handlers;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * The inbound SMS post-process ({@code ballast.jobs.handlers.sms-inbound.*}).
 *
 * @param slackEnabled  post a Slack notice per SMS
 * @param draftMaxChars the longest AI draft asked for (two SMS segments by default)
 */
@ConfigurationProperties("ballast.jobs.handlers.sms-inbound")
public record SmsInboundSettings(@Bindable(defaultValue = "true") boolean slackEnabled,
                                 @Bindable(defaultValue = "320") int draftMaxChars) {

    public SmsInboundSettings {
        if (draftMaxChars < 1 || draftMaxChars > 1600) {
            throw new IllegalArgumentException("ballast.jobs.handlers.sms-inbound.draft-max-chars must be within 1..1600");
        }
    }
}
