package dev.ballast.webhook.workspace;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;

/**
 * Workspace administration knobs ({@code ballast.webhook.workspaces.*}).
 *
 * @param adminToken    bearer token of the admin API; the API answers 503 while it is not set
 * @param secretKey     base64 AES-256 key that encrypts signing secrets at rest
 * @param rotationGrace how long a rotated-out signing secret or intake token stays valid by default
 */
@ConfigurationProperties("ballast.webhook.workspaces")
public record WorkspaceSettings(
        @Nullable String adminToken,
        @Nullable String secretKey,
        @Bindable(defaultValue = "24h") Duration rotationGrace) {

    @Override
    public String toString() {
        return "WorkspaceSettings[adminToken=" + (adminToken == null || adminToken.isBlank() ? "unset" : "set")
                + ", secretKey=" + (secretKey == null || secretKey.isBlank() ? "unset" : "set")
                + ", rotationGrace=" + rotationGrace + "]";
    }
}
