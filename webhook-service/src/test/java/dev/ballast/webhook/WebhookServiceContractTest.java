package dev.ballast.webhook;

import dev.ballast.testsupport.ServiceContract;

import java.time.Duration;
import java.util.Base64;
import java.util.Map;

class WebhookServiceContractTest extends ServiceContract {

    private static final String ADMIN_TOKEN = "contract-admin-token";
    private static final String SERVICE_TOKEN = "contract-service-token";

    @Override
    protected String schema() {
        return "webhook";
    }

    @Override
    protected String openApiDocument() {
        return "webhook-service-1.yml";
    }

    @Override
    protected Map<String, Object> serviceProperties() {
        return Map.of(
                "ballast.webhook.workspaces.admin-token", ADMIN_TOKEN,
                "ballast.webhook.workspaces.secret-key", Base64.getEncoder().encodeToString(new byte[32]),
                "ballast.webhook.read-api.service-token", SERVICE_TOKEN);
    }

    @Override
    protected Map<String, Object> backgroundLoops() {
        return Map.of("ballast.webhook.outbox.relay.enabled", "true",
                "ballast.webhook.outbox.relay.interval", "200ms",
                "ballast.webhook.outbox.relay.initial-delay", "0s");
    }

    @Override
    protected Map<String, String> credentials(String path) {
        if (path.startsWith("/admin/")) {
            return Map.of("Authorization", "Bearer " + ADMIN_TOKEN);
        }
        if (path.startsWith("/messages/") || path.startsWith("/leads/")) {
            return Map.of("Authorization", "Bearer " + SERVICE_TOKEN);
        }
        // A webhook's credentials are the workspace's, which only the database can check.
        return Map.of();
    }

    @Override
    protected String requestBody(String method, String pathTemplate, String generated) {
        // The generated bodies import a signing secret of a few bytes: refused before any database work.
        return switch (pathTemplate) {
            case "/admin/workspaces" -> "{\"name\":\"contract\"}";
            case "/admin/workspaces/{id}/signing-secret/rotate" -> "{}";
            default -> generated;
        };
    }

    @Override
    protected Duration ownDeadline(String path) {
        // ballast.webhook.intake.time-budget
        return Duration.ofSeconds(2);
    }
}
