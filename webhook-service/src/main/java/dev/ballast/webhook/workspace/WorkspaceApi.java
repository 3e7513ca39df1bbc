package dev.ballast.webhook.workspace;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.PositiveOrZero;
import jakarta.validation.constraints.Size;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Bodies of the admin workspace API. Secrets appear only in the answers that create them. */
public final class WorkspaceApi {

    private WorkspaceApi() {
    }

    /**
     * @param providerWorkspaceIds provider key ({@code emailbison}, {@code ghl}) to the provider-side workspace ids
     *                             whose deliveries this workspace accepts
     * @param signingSecret        a {@code whsec_} secret to use instead of a generated one (for senders that
     *                             generate their own)
     */
    @Serdeable
    public record CreateWorkspace(@NotBlank @Size(max = 200) String name,
                                  @Nullable Map<String, List<String>> providerWorkspaceIds,
                                  @Nullable String signingSecret) {
    }

    /** Answer to a creation: the only time the secret and the token are shown. */
    @Serdeable
    public record CreatedWorkspace(WorkspaceView workspace, String signingSecret, String intakeToken) {
    }

    @Serdeable
    public record WorkspaceView(UUID id, String name, String status, Map<String, List<String>> providerWorkspaceIds,
                                List<CredentialView> signingSecrets, List<CredentialView> intakeTokens,
                                Instant createdAt, Instant updatedAt) {
    }

    /** A live credential, without its secret. */
    @Serdeable
    public record CredentialView(long id, Instant createdAt, @Nullable Instant validUntil) {
    }

    /**
     * @param graceSeconds  how long the credentials being replaced stay valid (default: the configured grace;
     *                      0 revokes them at once)
     * @param signingSecret for signing-secret rotation only: a {@code whsec_} secret to use instead of a generated one
     */
    @Serdeable
    public record Rotation(@Nullable @PositiveOrZero Long graceSeconds, @Nullable String signingSecret) {
    }

    @Serdeable
    public record RotatedSigningSecret(String signingSecret, WorkspaceView workspace) {
    }

    @Serdeable
    public record RotatedIntakeToken(String intakeToken, WorkspaceView workspace) {
    }

    @Serdeable
    public record ProviderWorkspaceIds(Map<String, List<String>> providerWorkspaceIds) {
    }
}
