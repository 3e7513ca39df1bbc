package dev.ballast.insights;

import dev.ballast.testsupport.ServiceContract;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

class InsightsServiceContractTest extends ServiceContract {

    private static final String SERVICE_TOKEN = "contract-service-token";
    private static final String CRON_TOKEN = "contract-cron-token";

    @Override
    protected String schema() {
        return "insights";
    }

    @Override
    protected String openApiDocument() {
        return "insights-service-1.yml";
    }

    @Override
    protected Map<String, Object> serviceProperties() {
        return Map.of(
                "ballast.insights.service-token", SERVICE_TOKEN,
                "ballast.insights.cron.token", CRON_TOKEN);
    }

    @Override
    protected Map<String, String> credentials(String path) {
        return Map.of("Authorization", "Bearer " + (path.startsWith("/cron/") ? CRON_TOKEN : SERVICE_TOKEN),
                "X-Workspace-Id", UUID.randomUUID().toString());
    }

    @Override
    protected String requestBody(String method, String pathTemplate, String generated) {
        return pathTemplate.equals("/insights/context-packs")
                ? "{\"workspaceId\":\"" + UUID.randomUUID() + "\",\"leadIds\":[1,2]}" : generated;
    }

    @Override
    protected Duration ownDeadline(String path) {
        // A tick on a database that does not answer: 503 db_unreachable after one unit timeout.
        return Duration.ofSeconds(5);
    }
}
