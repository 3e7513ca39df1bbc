package dev.ballast.webhook;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.testsupport.LogCapture;
import dev.ballast.testsupport.SecretLeaks;
import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import org.junit.jupiter.api.Test;

import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Every secret webhook-service holds or is shown (admin, service, intake and outbound tokens, signing secrets, the
 * key that encrypts them), used rightly and wrongly on every path that takes one, appears in no log line at any of
 * our levels down to DEBUG and in no error body.
 */
class SecretsStayOutOfLogsTest {

    private static final String JOBS_TOKEN = "jobs-token-5f1c9a7e2b";
    private static final String SECRET_KEY = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
    private static final String WRONG_ADMIN_TOKEN = "wrong-admin-token-0b8e";
    private static final String WRONG_INTAKE_TOKEN = "wrong-intake-token-77d3a";

    private final SecretLeaks leaks = new SecretLeaks();

    @Test
    void noSecretIsLoggedOrAnsweredWhateverTheRequest() throws Exception {
        WireMockServer jobs = new WireMockServer(options().dynamicPort());
        jobs.start();
        // jobs-service refuses the relay's token: the relay's failure path runs with the token in hand
        jobs.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/problem+json").withBody("{\"status\":401}")));
        List<String> secrets = new ArrayList<>(List.of(RunningWebhookService.ADMIN_TOKEN,
                RunningWebhookService.SERVICE_TOKEN, JOBS_TOKEN, SECRET_KEY, WRONG_ADMIN_TOKEN, WRONG_INTAKE_TOKEN));
        try (LogCapture logs = LogCapture.start();
             RunningWebhookService service = RunningWebhookService.start(Map.of(
                     "micronaut.http.services.jobs.url", jobs.baseUrl(),
                     "ballast.service-tokens.jobs", JOBS_TOKEN,
                     "ballast.webhook.outbox.relay.enabled", "true",
                     "ballast.webhook.outbox.relay.interval", "100ms",
                     "ballast.webhook.outbox.relay.initial-delay", "0s",
                     "ballast.clients.jobs.attempts", "1"))) {
            TestWorkspace ws = service.createWorkspace();
            secrets.addAll(secretsOf(ws.signingSecret(), ws.intakeToken()));

            String body = Deliveries.reply(1, "jane@example.com");
            leaks.keep(service.post(ws.emailPath(), body, Deliveries.signed(body, ws.signingSecret())));
            leaks.keep(service.post(ws.emailPath() + "?token=" + URLEncoder.encode(ws.intakeToken(), StandardCharsets.UTF_8),
                    Deliveries.reply(2, "jane@example.com")));
            leaks.keep(service.post(ws.emailPath(), Deliveries.reply(3, "jane@example.com"), ws.bearer()));
            leaks.keep(service.post(ws.emailPath(), body, "Authorization", "Bearer " + WRONG_INTAKE_TOKEN));
            leaks.keep(service.post(ws.emailPath() + "?token=" + WRONG_INTAKE_TOKEN, body));
            leaks.keep(service.post(ws.emailPath(), body, Deliveries.signed(body, "whsec_" + SECRET_KEY)));

            String rotated = rotate(service, ws, "signing-secret", "signingSecret");
            String token = rotate(service, ws, "intake-token", "intakeToken");
            secrets.addAll(secretsOf(rotated, token));
            leaks.keep(service.post(ws.emailPath(), body, Deliveries.signed(body, ws.signingSecret())));
            leaks.keep(service.post(ws.emailPath(), body, ws.bearer()));
            leaks.keep(service.post(ws.emailPath(), Deliveries.reply(4, "jane@example.com"), "Authorization", "Bearer " + token));
            leaks.keep(service.get("/admin/workspaces/" + ws.id(), "Authorization", "Bearer " + WRONG_ADMIN_TOKEN));
            leaks.keep(service.get("/admin/workspaces/" + ws.id(), "Authorization", "Bearer " + RunningWebhookService.ADMIN_TOKEN));
            leaks.keep(service.get("/messages/1", "Authorization", "Bearer " + WRONG_ADMIN_TOKEN, "X-Workspace-Id", ws.id().toString()));
            leaks.keep(service.get("/messages/1", "Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN,
                    "X-Workspace-Id", ws.id().toString()));

            await().atMost(Duration.ofSeconds(15)).until(() -> jobs.getAllServeEvents().stream().anyMatch(e ->
                    ("Bearer " + JOBS_TOKEN).equals(e.getRequest().getHeader("Authorization"))));
            // the relay has met the refusal and recorded it
            await().atMost(Duration.ofSeconds(15)).until(() -> service.count(
                    "SELECT count(*) FROM webhook.outbox WHERE attempts > 0") > 0);

            assertThat(leaks.answers()).extracting(HttpResponse::statusCode).contains(200, 401);
            leaks.secrets(secrets).assertNoneIn(logs);
        } finally {
            jobs.stop();
        }
    }

    private String rotate(RunningWebhookService service, TestWorkspace ws, String what, String field) {
        HttpResponse<String> r = service.post("/admin/workspaces/" + ws.id() + "/" + what + "/rotate",
                "{\"graceSeconds\":0}", "Authorization", "Bearer " + RunningWebhookService.ADMIN_TOKEN);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return service.json(r).get(field).getStringValue();
    }

    /** A signing secret is searched for whole and by its key alone, as a log line could hold either. */
    private static List<String> secretsOf(String signingSecret, String intakeToken) {
        return List.of(signingSecret, signingSecret.substring("whsec_".length()), intakeToken);
    }

}
