package dev.ballast.integrations.providers;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.core.propagation.PropagatedContextElement;

import java.util.Optional;

/**
 * What one workspace's calls to one provider are made with, decrypted for the duration of the call only. It travels
 * in the propagated context to {@link ProviderAuthFilter}, which stamps it on the request.
 *
 * @param token     API key or token; never logged (see {@link #toString()})
 * @param baseUrl   the workspace's own instance (EmailBison), else null for the configured URL
 * @param accountId the provider-side account (Unipile account, GHL location)
 * @param channel   Slack channel for notices
 * @param alertChannel Slack channel for alerts
 */
public record ProviderAccess(Provider provider, String token, @Nullable String baseUrl, @Nullable String accountId,
                             @Nullable String channel, @Nullable String alertChannel)
        implements PropagatedContextElement {

    public static Optional<ProviderAccess> current() {
        return PropagatedContext.find().flatMap(ctx -> ctx.find(ProviderAccess.class));
    }

    @Override
    public String toString() {
        return "ProviderAccess[" + provider.id() + ", token=***, baseUrl=" + baseUrl + ", accountId=" + accountId + "]";
    }
}
