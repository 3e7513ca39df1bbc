package dev.ballast.integrations.admin;

import dev.ballast.integrations.credentials.CredentialStore;
import dev.ballast.integrations.credentials.CredentialUpdate;
import dev.ballast.integrations.credentials.IntegrationView;
import dev.ballast.integrations.health.HealthStore;
import dev.ballast.integrations.health.HealthView;
import dev.ballast.integrations.providers.Provider;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.api.RequestValues;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;

/** Admin API (admin token): workspaces' provider credentials, written once and never shown, and integration health. */
@Controller("/admin")
@ExecuteOn(TaskExecutors.BLOCKING)
final class IntegrationsAdminController {

    private static final Set<String> STATUSES = Set.of("UNKNOWN", "CONNECTED", "DEGRADED", "DISCONNECTED");
    private static final int MAX_ROWS = 500;

    private final CredentialStore credentials;
    private final HealthStore health;

    IntegrationsAdminController(CredentialStore credentials, HealthStore health) {
        this.credentials = credentials;
        this.health = health;
    }

    /** Stores (replaces) a workspace's credentials for a provider; the token is never shown again. */
    @Put("/workspaces/{id}/integrations/{provider}")
    IntegrationView putCredentials(@PathVariable String id, @PathVariable String provider,
                                   @Body CredentialUpdate update) throws SQLException {
        return credentials.put(workspace(id), provider(provider), update);
    }

    @Get("/workspaces/{id}/integrations")
    List<IntegrationView> integrations(@PathVariable String id) throws SQLException {
        return credentials.list(workspace(id));
    }

    @Get("/integrations/health")
    List<HealthView> health(@QueryValue @Nullable String workspaceId, @QueryValue @Nullable String provider,
                            @QueryValue @Nullable String status) throws SQLException {
        String s = status == null || status.isBlank() ? null : status.strip().toUpperCase(Locale.ROOT);
        if (s != null && !STATUSES.contains(s)) {
            throw ProblemException.badRequest("invalid_status", "status must be one of " + STATUSES);
        }
        return health.list(RequestValues.workspaceId(workspaceId),
                provider == null || provider.isBlank() ? null : provider(provider), s, MAX_ROWS);
    }

    private static UUID workspace(String id) {
        UUID workspace = RequestValues.workspaceId(id);
        if (workspace == null) {
            throw RequestValues.invalidWorkspaceId();
        }
        return workspace;
    }

    private static Provider provider(String id) {
        Provider p = Provider.of(id);
        if (p == null) {
            throw ProblemException.badRequest("invalid_provider", "provider must be one of ai, emailbison, ghl, slack, unipile");
        }
        return p;
    }
}
