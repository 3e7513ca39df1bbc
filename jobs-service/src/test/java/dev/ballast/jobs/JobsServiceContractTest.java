package dev.ballast.jobs;

import dev.ballast.testsupport.ServiceContract;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

class JobsServiceContractTest extends ServiceContract {

    private static final String ADMIN_TOKEN = "contract-admin-token";
    private static final String SERVICE_TOKEN = "contract-service-token";
    private static final String CRON_TOKEN = "contract-cron-token";

    @Override
    protected String schema() {
        return "jobs";
    }

    @Override
    protected String openApiDocument() {
        return "jobs-service-1.yml";
    }

    @Override
    protected Map<String, Object> serviceProperties() {
        return Map.of(
                "ballast.jobs.admin-token", ADMIN_TOKEN,
                "ballast.jobs.service-token", SERVICE_TOKEN,
                "ballast.jobs.workflows.service-token", SERVICE_TOKEN,
                "ballast.jobs.cron.token", CRON_TOKEN);
    }

    @Override
    protected Map<String, String> credentials(String path) {
        String token = path.startsWith("/admin/") ? ADMIN_TOKEN : path.startsWith("/cron/") ? CRON_TOKEN : SERVICE_TOKEN;
        return Map.of("Authorization", "Bearer " + token);
    }

    @Override
    protected String requestBody(String method, String pathTemplate, String generated) {
        // The generated job carries a dedupeKey other than its Idempotency-Key: refused before any database work.
        String job = "{\"type\":\"contract-job\",\"workspaceId\":\"" + UUID.randomUUID() + "\",\"payload\":{}";
        return switch (pathTemplate) {
            case "/jobs" -> job + "}";
            case "/jobs/bulk" -> "[" + job + ",\"dedupeKey\":\"contract-" + UUID.randomUUID() + "\"}]";
            case "/workflows/{workflowId}/executions" ->
                    "{\"workspaceId\":\"" + UUID.randomUUID() + "\",\"trigger\":{\"contract\":1}}";
            case "/workflows/{workflowId}/executions/{id}" ->
                    "{\"workspaceId\":\"" + UUID.randomUUID() + "\",\"status\":\"succeeded\",\"result\":{}}";
            default -> generated;
        };
    }

    @Override
    protected Duration ownDeadline(String path) {
        // A cron tick on a database that does not answer: 503 db_unreachable after one unit timeout.
        return Duration.ofSeconds(5);
    }
}
