package dev.ballast.webhook.workspace;

import dev.ballast.webhook.workspace.WorkspaceApi.CreateWorkspace;
import dev.ballast.webhook.workspace.WorkspaceApi.CreatedWorkspace;
import dev.ballast.webhook.workspace.WorkspaceApi.ProviderWorkspaceIds;
import dev.ballast.webhook.workspace.WorkspaceApi.RotatedIntakeToken;
import dev.ballast.webhook.workspace.WorkspaceApi.RotatedSigningSecret;
import dev.ballast.webhook.workspace.WorkspaceApi.Rotation;
import dev.ballast.webhook.workspace.WorkspaceApi.WorkspaceView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;
import jakarta.validation.Valid;

import java.util.UUID;

@Controller("/admin/workspaces")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "admin")
@SecurityRequirement(name = "adminToken")
public class WorkspaceAdminController {

    private final WorkspaceAdministration administration;

    WorkspaceAdminController(WorkspaceAdministration administration) {
        this.administration = administration;
    }

    @Post
    @Operation(summary = "Create a workspace; the answer shows its signing secret and intake token, once")
    public HttpResponse<CreatedWorkspace> create(@Body @Valid CreateWorkspace request) {
        return HttpResponse.created(administration.create(request.name(), request.providerWorkspaceIds(),
                request.signingSecret()));
    }

    @Get("/{id}")
    @Operation(summary = "A workspace with its accepted provider accounts and live credentials (never their secrets)")
    public WorkspaceView view(UUID id) {
        return administration.view(id);
    }

    @Post("/{id}/signing-secret/rotate")
    @Operation(summary = "New signing secret; the old ones stay valid for the grace period")
    public RotatedSigningSecret rotateSigningSecret(UUID id, @Nullable @Body @Valid Rotation rotation) {
        return administration.rotateSigningSecret(id, rotation == null ? null : rotation.graceSeconds(),
                rotation == null ? null : rotation.signingSecret());
    }

    @Post("/{id}/intake-token/rotate")
    @Operation(summary = "New intake token; the old ones stay valid for the grace period")
    public RotatedIntakeToken rotateIntakeToken(UUID id, @Nullable @Body @Valid Rotation rotation) {
        return administration.rotateIntakeToken(id, rotation == null ? null : rotation.graceSeconds());
    }

    @Put("/{id}/provider-workspace-ids")
    @Operation(summary = "Replace the provider-side workspace ids whose deliveries this workspace accepts")
    public WorkspaceView setProviderWorkspaceIds(UUID id, @Body ProviderWorkspaceIds request) {
        return administration.setProviderWorkspaceIds(id, request.providerWorkspaceIds());
    }

    @Post("/{id}/disable")
    @Operation(summary = "Refuse every delivery to this workspace (403)")
    public WorkspaceView disable(UUID id) {
        return administration.setStatus(id, Workspace.DISABLED);
    }

    @Post("/{id}/enable")
    @Operation(summary = "Accept deliveries again")
    public WorkspaceView enable(UUID id) {
        return administration.setStatus(id, Workspace.ACTIVE);
    }
}
