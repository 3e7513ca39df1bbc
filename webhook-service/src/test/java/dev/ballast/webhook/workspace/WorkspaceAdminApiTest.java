package dev.ballast.webhook.workspace;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micronaut.http.HttpRequest;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspaceAdminApiTest {

    private static final String[] ADMIN = {"Authorization", "Bearer " + RunningWebhookService.ADMIN_TOKEN};
    private RunningWebhookService service;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start();
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void theAdminApiNeedsTheAdminToken() {
        String body = "{\"name\":\"x\"}";
        assertThat(service.post("/admin/workspaces", body).statusCode()).isEqualTo(401);
        assertThat(service.post("/admin/workspaces", body, "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(service.post("/admin/workspaces", body, "Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN)
                .statusCode()).isEqualTo(401);
        HttpResponse<String> r = service.get("/admin/workspaces/" + java.util.UUID.randomUUID());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(service.count("SELECT count(*) FROM webhook.workspaces WHERE name = 'x'")).isZero();
    }

    @Test
    void anUnconfiguredTokenDisablesItsApiInsteadOfOpeningIt() {
        BearerTokenGuard guard = new BearerTokenGuard("the admin API", "WEBHOOK_ADMIN_TOKEN", " ");
        assertThat(guard.configured()).isFalse();
        var refusal = guard.refusal(HttpRequest.GET("/admin/workspaces/x").bearerAuth(" "));
        assertThat(refusal).isNotNull();
        assertThat(refusal.getStatus().getCode()).isEqualTo(503);
    }

    @Test
    void creationShowsTheSecretAndTokenOnceAndStoresNeitherInClear() {
        HttpResponse<String> created = service.post("/admin/workspaces",
                "{\"name\":\"Acme\",\"providerWorkspaceIds\":{\"emailbison\":[\"12\",\" 34 \"],\"ghl\":[\"loc-1\"]}}", ADMIN);
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode n = service.json(created);
        String secret = n.get("signingSecret").getStringValue();
        String token = n.get("intakeToken").getStringValue();
        String id = n.get("workspace").get("id").getStringValue();
        assertThat(secret).startsWith("whsec_");
        assertThat(WebhookSecrets.parseSigningSecret(secret)).hasSize(32);
        assertThat(n.get("workspace").get("providerWorkspaceIds").get("emailbison").size()).isEqualTo(2);

        HttpResponse<String> view = service.get("/admin/workspaces/" + id, ADMIN);
        assertThat(view.statusCode()).isEqualTo(200);
        assertThat(view.body()).doesNotContain(secret.substring(6)).doesNotContain(token)
                .contains("\"status\":\"active\"").contains("\"34\"").contains("\"loc-1\"");
        assertThat(service.json(view).get("signingSecrets").size()).isEqualTo(1);

        byte[] secretBytes = WebhookSecrets.parseSigningSecret(secret);
        List<java.util.Map<String, Object>> rows = service.query(
                "SELECT kind, secret_ciphertext, token_sha256 FROM webhook.webhook_credentials WHERE workspace_id = ?::uuid", id);
        assertThat(rows).hasSize(2).allSatisfy(row -> {
            if (row.get("kind").equals("signing_secret")) {
                String stored = new String((byte[]) row.get("secret_ciphertext"), StandardCharsets.ISO_8859_1);
                assertThat(stored).doesNotContain(new String(secretBytes, StandardCharsets.ISO_8859_1))
                        .doesNotContain(secret);
            } else {
                assertThat((byte[]) row.get("token_sha256")).isEqualTo(BearerTokenGuard.sha256(token));
            }
        });
        assertThat(service.count("SELECT count(*) FROM webhook.webhook_credentials WHERE encode(secret_ciphertext, 'base64') "
                + "LIKE '%' || ? || '%'", Base64.getEncoder().encodeToString(secretBytes).substring(0, 20))).isZero();
    }

    @Test
    void rotationKeepsTheOldSecretForTheConfiguredGrace() {
        TestWorkspace ws = service.createWorkspace();
        Instant before = Instant.now();
        JsonNode rotated = service.json(service.post("/admin/workspaces/" + ws.id() + "/signing-secret/rotate", "", ADMIN));
        JsonNode secrets = rotated.get("workspace").get("signingSecrets");
        assertThat(secrets.size()).isEqualTo(2);
        Instant validUntil = null;
        for (JsonNode s : secrets.values()) {
            if (s.get("validUntil") != null && !s.get("validUntil").isNull()) {
                validUntil = OffsetDateTime.parse(s.get("validUntil").getStringValue()).toInstant();
            }
        }
        assertThat(validUntil).isNotNull();
        assertThat(Duration.between(before, validUntil)).isBetween(Duration.ofHours(24).minusMinutes(1),
                Duration.ofHours(24).plusMinutes(1));
    }

    @Test
    void anImportedSecretIsCheckedAndUsed() {
        HttpResponse<String> bad = service.post("/admin/workspaces", "{\"name\":\"i\",\"signingSecret\":\"whsec_short\"}", ADMIN);
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(service.json(bad).get("pointer").getStringValue()).isEqualTo("/signingSecret");
        HttpResponse<String> ok = service.post("/admin/workspaces",
                "{\"name\":\"i\",\"signingSecret\":\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"}", ADMIN);
        assertThat(ok.statusCode()).isEqualTo(201);
        assertThat(service.json(ok).get("signingSecret").getStringValue()).isEqualTo("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    }

    @Test
    void providerIdsAreReplacedAndValidated() {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> set = service.put("/admin/workspaces/" + ws.id() + "/provider-workspace-ids",
                "{\"providerWorkspaceIds\":{\"ghl\":[\"a\",\"b\"]}}", ADMIN);
        assertThat(set.statusCode()).isEqualTo(200);
        assertThat(service.json(set).get("providerWorkspaceIds").get("emailbison").size()).isZero();
        assertThat(service.json(set).get("providerWorkspaceIds").get("ghl").size()).isEqualTo(2);
        HttpResponse<String> unknown = service.put("/admin/workspaces/" + ws.id() + "/provider-workspace-ids",
                "{\"providerWorkspaceIds\":{\"mailchimp\":[\"a\"]}}", ADMIN);
        assertThat(unknown.statusCode()).isEqualTo(400);
        assertThat(service.json(unknown).get("pointer").getStringValue()).isEqualTo("/providerWorkspaceIds/mailchimp");
        HttpResponse<String> blank = service.put("/admin/workspaces/" + ws.id() + "/provider-workspace-ids",
                "{\"providerWorkspaceIds\":{\"ghl\":[\"ok\",\" \"]}}", ADMIN);
        assertThat(service.json(blank).get("pointer").getStringValue()).isEqualTo("/providerWorkspaceIds/ghl/1");
        assertThat(service.count("SELECT count(*) FROM webhook.workspace_provider_accounts WHERE workspace_id = ?", ws.id()))
                .isEqualTo(2);
    }

    @Test
    void disablingAndUnknownWorkspaces() {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> disabled = service.post("/admin/workspaces/" + ws.id() + "/disable", "", ADMIN);
        assertThat(service.json(disabled).get("status").getStringValue()).isEqualTo("disabled");
        java.util.UUID nobody = java.util.UUID.randomUUID();
        for (HttpResponse<String> r : List.of(
                service.get("/admin/workspaces/" + nobody, ADMIN),
                service.post("/admin/workspaces/" + nobody + "/disable", "", ADMIN),
                service.post("/admin/workspaces/" + nobody + "/signing-secret/rotate", "", ADMIN),
                service.post("/admin/workspaces/" + nobody + "/intake-token/rotate", "", ADMIN))) {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(404);
        }
        assertThat(service.post("/admin/workspaces", "{\"name\":\"\"}", ADMIN).statusCode()).isEqualTo(400);
    }

    @Test
    void theOpenApiDocumentDescribesTheWebhookAdminAndReadEndpoints() {
        HttpResponse<String> doc = service.get("/openapi/webhook-service-1.yml");
        assertThat(doc.statusCode()).isEqualTo(200);
        assertThat(doc.body()).contains("/webhooks/email/{workspaceId}", "/webhooks/ghl/sms/{workspaceId}",
                "/admin/workspaces/{id}/signing-secret/rotate", "/messages/{id}/annotations/{kind}",
                "/leads/{id}/messages");
    }
}
