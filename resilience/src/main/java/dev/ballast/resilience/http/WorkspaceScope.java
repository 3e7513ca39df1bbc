package dev.ballast.resilience.http;

import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.core.propagation.PropagatedContextElement;

import java.util.Optional;

/**
 * The workspace on whose behalf outbound calls are made, so each (workspace, provider) pair gets its own circuit
 * breaker: one workspace's revoked credentials must never fail fast another workspace's calls.
 *
 * <pre>{@code
 * try (PropagatedContext.Scope ignored = WorkspaceScope.of(workspaceId).propagate()) {
 *     unipile.listChats(accountId);
 * }
 * }</pre>
 *
 * @param workspaceId the workspace
 */
public record WorkspaceScope(String workspaceId) implements PropagatedContextElement {

    /** The breaker key part used for calls made outside any workspace (health checks, cron ticks). */
    public static final String NONE = "-";

    public WorkspaceScope {
        if (workspaceId == null || workspaceId.isBlank()) {
            throw new IllegalArgumentException("workspaceId must not be blank");
        }
    }

    public static WorkspaceScope of(String workspaceId) {
        return new WorkspaceScope(workspaceId);
    }

    public static Optional<WorkspaceScope> current() {
        return PropagatedContext.find().flatMap(ctx -> ctx.find(WorkspaceScope.class));
    }

    public PropagatedContext.Scope propagate() {
        return PropagatedContext.getOrEmpty().plus(this).propagate();
    }
}
