package dev.ballast.integrations;

import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.testsupport.ServiceContract;

import java.time.Duration;
import java.util.Map;

class IntegrationsServiceContractTest extends ServiceContract {

    @Override
    protected String schema() {
        return "integrations";
    }

    @Override
    protected String openApiDocument() {
        return "integrations-service-1.yml";
    }

    @Override
    protected Map<String, Object> serviceProperties() {
        return Map.of(
                "ballast.integrations.service-token", IntegrationsServiceUnderTest.SERVICE_TOKEN,
                "ballast.integrations.admin-token", IntegrationsServiceUnderTest.ADMIN_TOKEN,
                "ballast.integrations.cron-token", IntegrationsServiceUnderTest.CRON_TOKEN,
                "ballast.integrations.credentials.secret-key", IntegrationsServiceUnderTest.SECRET_KEY);
    }

    @Override
    protected Duration ownDeadline(String path) {
        // a health-check tick keeps its time budget (ballast.integrations.health.check-budget)
        return path.startsWith("/cron/") ? Duration.ofSeconds(25) : super.ownDeadline(path);
    }

    @Override
    protected Map<String, String> credentials(String path) {
        String token = path.startsWith("/admin/") ? IntegrationsServiceUnderTest.ADMIN_TOKEN
                : path.startsWith("/cron/") ? IntegrationsServiceUnderTest.CRON_TOKEN
                : IntegrationsServiceUnderTest.SERVICE_TOKEN;
        return Map.of("Authorization", "Bearer " + token);
    }
}
