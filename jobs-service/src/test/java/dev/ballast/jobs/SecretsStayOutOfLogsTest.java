package dev.ballast.jobs;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.jobs.handlers.EmailInboundPostProcess;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import dev.ballast.testsupport.LogCapture;
import dev.ballast.testsupport.SecretLeaks;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every token jobs-service checks (service, admin, cron) or sends (to webhook-service and integrations-service),
 * used rightly and wrongly, appears in no log line at any of our levels down to DEBUG and in no error body.
 */
class SecretsStayOutOfLogsTest {

    private static final String CRON_TOKEN = "cron-token-3e9b1f0c";
    private static final String WEBHOOK_TOKEN = "webhook-token-81d2c6aa";
    private static final String INTEGRATIONS_TOKEN = "integrations-token-4c7e02";
    private static final String WRONG_TOKEN = "wrong-token-a61f93d0";

    private final SecretLeaks leaks = new SecretLeaks();

    @Test
    void noTokenIsLoggedOrAnsweredWhateverTheRequest() {
        WireMockServer webhook = new WireMockServer(options().dynamicPort());
        webhook.start();
        // webhook-service refuses the handler's token: the job's failure path runs with the token in hand
        webhook.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/problem+json").withBody("{\"status\":401}")));
        List<String> secrets = List.of(JobsServiceUnderTest.ADMIN_TOKEN, JobsServiceUnderTest.SERVICE_TOKEN, CRON_TOKEN,
                WEBHOOK_TOKEN, INTEGRATIONS_TOKEN, WRONG_TOKEN);
        try (LogCapture logs = LogCapture.start();
             JobsServiceUnderTest service = JobsServiceUnderTest.start(Map.of(
                     "micronaut.http.services.webhook.url", webhook.baseUrl(),
                     "micronaut.http.services.integrations.url", webhook.baseUrl(),
                     "ballast.service-tokens.webhook", WEBHOOK_TOKEN,
                     "ballast.service-tokens.integrations", INTEGRATIONS_TOKEN,
                     "ballast.jobs.cron.token", CRON_TOKEN,
                     "ballast.jobs.cron.budget", "5s",
                     "ballast.jobs.workers.enabled", "true"))) {
            String job = "{\"type\":\"" + EmailInboundPostProcess.TYPE + "\",\"workspaceId\":\"" + UUID.randomUUID()
                    + "\",\"payload\":{\"messageId\":1}}";
            leaks.keep(service.post("/jobs", job, "Authorization", "Bearer " + WRONG_TOKEN));
            leaks.keep(service.post("/jobs", job, "Authorization", "Bearer " + JobsServiceUnderTest.SERVICE_TOKEN));
            leaks.keep(service.get("/admin/jobs", "Authorization", "Bearer " + WRONG_TOKEN));
            leaks.keep(service.get("/admin/jobs", "Authorization", "Bearer " + JobsServiceUnderTest.ADMIN_TOKEN));
            leaks.keep(service.post("/cron/jobs/run", "", "Authorization", "Bearer " + WRONG_TOKEN));
            leaks.keep(service.post("/cron/jobs/run", "", "Authorization", "Bearer " + CRON_TOKEN));
            leaks.keep(service.post("/workflows/w/executions", "{}", "Authorization", "Bearer " + WRONG_TOKEN));
            leaks.keep(service.post("/workflows/w/executions", "{\"workspaceId\":\"" + UUID.randomUUID() + "\",\"trigger\":1}",
                    "Authorization", "Bearer " + JobsServiceUnderTest.SERVICE_TOKEN));

            await().atMost(Duration.ofSeconds(15)).until(() -> webhook.getAllServeEvents().stream().anyMatch(e ->
                    ("Bearer " + WEBHOOK_TOKEN).equals(e.getRequest().getHeader("Authorization"))));
            await().atMost(Duration.ofSeconds(15)).until(() -> service.count(
                    "SELECT count(*) FROM jobs.jobs WHERE status = 'dead'") == 1);

            assertThat(leaks.answers()).extracting(HttpResponse::statusCode).contains(401).anyMatch(s -> s < 300);
            leaks.secrets(secrets).assertNoneIn(logs);
        } finally {
            webhook.stop();
        }
    }

}
