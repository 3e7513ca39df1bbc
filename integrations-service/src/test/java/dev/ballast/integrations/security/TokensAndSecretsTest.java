package dev.ballast.integrations.security;

import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.integrations.testing.Providers;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.LogCapture;
import dev.ballast.testsupport.SecretLeaks;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/** Tokens are checked before any database work, and no secret reaches an answer or a log line. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokensAndSecretsTest {

    private IntegrationsServiceUnderTest service;
    private FaultProxy proxy;

    @BeforeAll
    void start() {
        service = IntegrationsServiceUnderTest.startBehindProxy(Map.of());
        proxy = service.proxy();
        Providers.allWorking(service.providers());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void missingOrWrongTokensAre401WithoutTouchingTheDatabase() {
        UUID ws = UUID.randomUUID();
        String body = "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"body\":\"x\"}";
        proxy.cut();
        try {
            for (String[] auth : List.of(new String[0], new String[]{"Authorization", "Bearer wrong"},
                    new String[]{"Authorization", "Bearer " + IntegrationsServiceUnderTest.ADMIN_TOKEN})) {
                HttpResponse<String> op = service.post("/ai/sentiment", body, with(auth, "X-Workspace-Id", ws.toString(),
                        "Idempotency-Key", "k"));
                assertThat(op.statusCode()).as(op.body()).isEqualTo(401);
                assertThat(op.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
                assertThat(service.post("/cron/integrations/health-check", "", auth).statusCode()).isEqualTo(401);
            }
            for (String[] auth : List.of(new String[0], new String[]{"Authorization", "Bearer " + IntegrationsServiceUnderTest.SERVICE_TOKEN})) {
                assertThat(service.get("/admin/integrations/health", auth).statusCode()).isEqualTo(401);
                assertThat(service.put("/admin/workspaces/" + ws + "/integrations/slack", "{\"token\":\"x\"}", auth)
                        .statusCode()).isEqualTo(401);
            }
            // with the right token the same request reaches the (cut) database
            assertThat(service.operation("/ai/sentiment", ws, "k", body).statusCode()).isEqualTo(503);
        } finally {
            proxy.restore();
        }
    }

    @Test
    void noSecretAppearsInAnyAnswerOrLogLine() {
        UUID ws = UUID.randomUUID();
        String slackToken = "xoxb-1111-2222-" + UUID.randomUUID();
        String unipileKey = "unipile-key-" + UUID.randomUUID();
        String emailBisonToken = "eb-token-" + UUID.randomUUID();
        SecretLeaks leaks = new SecretLeaks().secrets(List.of(slackToken, unipileKey, emailBisonToken,
                IntegrationsServiceUnderTest.SERVICE_TOKEN, IntegrationsServiceUnderTest.ADMIN_TOKEN,
                IntegrationsServiceUnderTest.CRON_TOKEN, IntegrationsServiceUnderTest.SECRET_KEY));
        try (LogCapture logs = LogCapture.start()) {
            String admin = "Bearer " + IntegrationsServiceUnderTest.ADMIN_TOKEN;
            leaks.keep(service.put("/admin/workspaces/" + ws + "/integrations/slack",
                    "{\"token\":\"" + slackToken + "\",\"channel\":\"#n\"}", "Authorization", admin));
            leaks.keep(service.put("/admin/workspaces/" + ws + "/integrations/unipile",
                    "{\"token\":\"" + unipileKey + "\",\"accountId\":\"acc-1\"}", "Authorization", admin));
            leaks.keep(service.put("/admin/workspaces/" + ws + "/integrations/emailbison",
                    "{\"token\":\"" + emailBisonToken + "\"}", "Authorization", admin));
            // providers that quote the credential back in their errors
            var echo = service.providers().stubFor(any(urlPathMatching("/(unipile|emailbison)/.*")).atPriority(1)
                    .willReturn(aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                            .withBody("{\"type\":\"errors/invalid_credentials\",\"detail\":\"key " + unipileKey
                                    + " / " + emailBisonToken + " rejected\"}")));
            try {
                leaks.keep(service.operation("/providers/unipile/messages", ws, "u-1", "{\"workspaceId\":\"" + ws
                        + "\",\"accountId\":\"acc-1\",\"chatId\":\"c\",\"text\":\"Hi\",\"inmail\":false}"));
                leaks.keep(service.operation("/providers/emailbison/enrichment", ws, "e-1", "{\"workspaceId\":\"" + ws
                        + "\",\"leadId\":1,\"email\":\"a@b.example\"}"));
            } finally {
                service.providers().removeStub(echo);
            }
            leaks.keep(service.operation("/notifications/slack", ws, "s-1",
                    "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"text\":\"hi\"}"));
            leaks.keep(service.get("/admin/workspaces/" + ws + "/integrations", "Authorization", admin));
            leaks.keep(service.get("/admin/integrations/health?workspaceId=" + ws, "Authorization", admin));
            leaks.keep(service.post("/cron/integrations/health-check", "",
                    "Authorization", "Bearer " + IntegrationsServiceUnderTest.CRON_TOKEN));

            assertThat(leaks.answers()).extracting(HttpResponse::statusCode).contains(200, 409);
            assertThat(service.query("SELECT encode(secret, 'escape') AS s FROM integrations.integration_credentials "
                    + "WHERE workspace_id = ?", ws)).allSatisfy(r -> assertThat((String) r.get("s"))
                    .doesNotContain(slackToken).doesNotContain(unipileKey).doesNotContain(emailBisonToken));
            leaks.assertNoneIn(logs);
        }
    }

    private static String[] with(String[] auth, String... more) {
        String[] all = new String[auth.length + more.length];
        System.arraycopy(auth, 0, all, 0, auth.length);
        System.arraycopy(more, 0, all, auth.length, more.length);
        return all;
    }
}
