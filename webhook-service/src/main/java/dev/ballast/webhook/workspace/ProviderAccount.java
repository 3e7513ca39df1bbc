package dev.ballast.webhook.workspace;

import io.micronaut.core.annotation.Introspected;

/** One provider-side account (an EmailBison workspace_id, a GHL locationId) a workspace accepts deliveries for. */
@Introspected
public record ProviderAccount(String provider, String providerWorkspaceId) {
}
