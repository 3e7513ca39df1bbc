package dev.ballast.integrations.credentials;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * The body of {@code PUT /admin/workspaces/{id}/integrations/{provider}}: the API key or token (stored encrypted,
 * never shown again), and the optional instance URL (EmailBison), provider account (Unipile account, GHL location)
 * and Slack channels.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CredentialUpdate(@Nullable String token, @Nullable String baseUrl, @Nullable String accountId,
                               @Nullable String channel, @Nullable String alertChannel) {

    @Override
    public String toString() {
        return "CredentialUpdate[token=***, baseUrl=" + baseUrl + ", accountId=" + accountId + "]";
    }
}
