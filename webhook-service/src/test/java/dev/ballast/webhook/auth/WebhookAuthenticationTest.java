package dev.ballast.webhook.auth;

import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookAuthenticationTest {

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
    void aDeliverySignedWithTheWorkspaceSecretIsAccepted() {
        TestWorkspace ws = service.createWorkspace();
        String body = Deliveries.reply(1, "jane@example.com");
        String[] headers = Deliveries.signed(body, ws.signingSecret());

        HttpResponse<String> r = service.post(ws.emailPath(), body, headers);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(service.deliveries(ws.id()).getFirst()).containsEntry("webhook_id", headers[1])
                .containsEntry("outcome", "accepted");
        String sms = Deliveries.ghlInbound("m-1", "c-1", "hi");
        assertThat(service.post(ws.ghlPath(), sms, Deliveries.signed(sms, ws.signingSecret())).statusCode()).isEqualTo(200);
        assertThat(service.messages(ws.id())).isEqualTo(2);
    }

    @Test
    void duringRotationBothSecretsVerifyAndRevokingTheOldOneStopsIt() {
        TestWorkspace ws = service.createWorkspace();
        JsonNode rotated = service.json(service.post("/admin/workspaces/" + ws.id() + "/signing-secret/rotate", "{}",
                admin()));
        String newSecret = rotated.get("signingSecret").getStringValue();
        assertThat(newSecret).startsWith("whsec_").isNotEqualTo(ws.signingSecret());
        assertThat(rotated.get("workspace").get("signingSecrets").size()).isEqualTo(2);

        assertAccepted(ws, Deliveries.reply(10, "a@x.example"), ws.signingSecret());
        assertAccepted(ws, Deliveries.reply(11, "a@x.example"), newSecret);
        assertAccepted(ws, Deliveries.reply(12, "a@x.example"), ws.signingSecret(), newSecret);

        HttpResponse<String> revoked = service.post("/admin/workspaces/" + ws.id() + "/signing-secret/rotate",
                "{\"graceSeconds\":0}", admin());
        String newest = service.json(revoked).get("signingSecret").getStringValue();
        String body = Deliveries.reply(13, "a@x.example");
        assertRefused(service.post(ws.emailPath(), body, Deliveries.signed(body, ws.signingSecret())), 401,
                "signature_mismatch");
        // A rotation with no grace retires every earlier secret at once: the answer to a leaked secret.
        assertRefused(service.post(ws.emailPath(), body, Deliveries.signed(body, newSecret)), 401, "signature_mismatch");
        assertAccepted(ws, body, newest);
        assertThat(service.messages(ws.id())).isEqualTo(4);
    }

    @Test
    void aTamperedBodyIsRefusedAndNothingButALogRowIsStored() {
        TestWorkspace ws = service.createWorkspace();
        String signedBody = Deliveries.reply(20, "jane@example.com").replace("\"campaign_id\":5", "\"campaign_id\":5,\"amount\":1.50");
        String[] headers = Deliveries.signed(signedBody, ws.signingSecret());
        String tampered = signedBody.replace("1.50", "1.5");

        assertRefused(service.post(ws.emailPath(), tampered, headers), 401, "signature_mismatch");
        assertNothingStored(ws);
        assertThat(service.deliveries(ws.id())).singleElement().satisfies(row -> assertThat(row)
                .containsEntry("outcome", "unauthorized").containsEntry("reason", "signature_mismatch")
                .containsEntry("http_status", 401).containsEntry("body_bytes", tampered.length()));
        assertThat(service.post(ws.emailPath(), signedBody, headers).statusCode()).isEqualTo(200);
    }

    @Test
    void aStaleOrFutureTimestampIsRefused() {
        TestWorkspace ws = service.createWorkspace();
        String body = Deliveries.reply(30, "jane@example.com");
        long now = Instant.now().getEpochSecond();
        assertRefused(service.post(ws.emailPath(), body, Deliveries.signedAt(body, now - 600, "msg_old", ws.signingSecret())),
                401, "stale_timestamp");
        assertRefused(service.post(ws.emailPath(), body, Deliveries.signedAt(body, now + 600, "msg_new", ws.signingSecret())),
                401, "stale_timestamp");
        assertNothingStored(ws);
    }

    @Test
    void aTokenOfWorkspaceAUsedOnWorkspaceBsUrlIsRefused() {
        TestWorkspace a = service.createWorkspace();
        TestWorkspace b = service.createWorkspace();
        String body = Deliveries.reply(40, "jane@example.com");
        assertRefused(service.post(b.emailPath(), body, a.bearer()), 401, "invalid_token");
        assertRefused(service.post(b.emailPath() + "?token=" + a.intakeToken(), body), 401, "invalid_token");
        String sms = Deliveries.ghlInbound("m-40", "c", "hi");
        assertRefused(service.post(b.ghlPath(), sms, Deliveries.signed(sms, a.signingSecret())), 401, "signature_mismatch");
        assertNothingStored(a);
        assertNothingStored(b);
        assertThat(service.deliveries(b.id())).extracting(r -> r.get("reason"))
                .containsExactly("invalid_token", "invalid_token", "signature_mismatch");
        assertThat(service.deliveries(a.id())).isEmpty();
    }

    @Test
    void theTokenWorksAsBearerOrQueryParameterButNotNextToABadSignature() {
        TestWorkspace ws = service.createWorkspace();
        assertThat(service.post(ws.emailPath() + "?token=" + ws.intakeToken(), Deliveries.reply(50, "j@x.example"))
                .statusCode()).isEqualTo(200);
        String body = Deliveries.reply(51, "j@x.example");
        String[] badSignature = Deliveries.signed(body, "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        String[] both = java.util.stream.Stream.concat(java.util.Arrays.stream(badSignature),
                java.util.Arrays.stream(ws.bearer())).toArray(String[]::new);
        assertRefused(service.post(ws.emailPath(), body, both), 401, "signature_mismatch");
        assertRefused(service.post(ws.emailPath(), body), 401, "missing_credentials");
        assertRefused(service.post(ws.emailPath(), body, "Authorization", "Bearer wit_guess"), 401, "invalid_token");
        assertThat(service.messages(ws.id())).isEqualTo(1);
    }

    @Test
    void aProviderWorkspaceTheWorkspaceDoesNotAcceptIsForbidden() {
        TestWorkspace ws = service.createWorkspace(List.of("99"), List.of("other-location"));
        assertRefused(service.post(ws.emailPath(), Deliveries.reply(60, "j@x.example"), ws.bearer()), 403,
                "provider_workspace_not_accepted");
        assertRefused(service.post(ws.ghlPath(), Deliveries.ghlInbound("m-60", "c", "hi"), ws.bearer()), 403,
                "provider_workspace_not_accepted");
        // Ignored events are checked too: nothing from a foreign account is taken, not even a no-op.
        assertRefused(service.post(ws.emailPath(), Deliveries.emailEvent("EMAIL_OPENED"), ws.bearer()), 403,
                "provider_workspace_not_accepted");
        assertNothingStored(ws);

        service.put("/admin/workspaces/" + ws.id() + "/provider-workspace-ids",
                "{\"providerWorkspaceIds\":{\"emailbison\":[\"99\",\"12\"]}}", admin());
        assertThat(service.post(ws.emailPath(), Deliveries.reply(60, "j@x.example"), ws.bearer()).statusCode()).isEqualTo(200);
        assertRefused(service.post(ws.ghlPath(), Deliveries.ghlInbound("m-60", "c", "hi"), ws.bearer()), 403,
                "provider_workspace_not_accepted");
    }

    @Test
    void unknownAndDisabledWorkspacesAreRefused() {
        TestWorkspace ws = service.createWorkspace();
        String body = Deliveries.reply(70, "j@x.example");
        UUID unknown = UUID.randomUUID();
        HttpResponse<String> r = service.post("/webhooks/email/" + unknown, body, ws.bearer());
        assertRefused(r, 401, "invalid_token");
        assertThat(service.deliveries(unknown)).singleElement()
                .satisfies(row -> assertThat(row).containsEntry("reason", "unknown_workspace"));
        assertThat(service.post("/webhooks/email/not-a-uuid", body, ws.bearer()).statusCode()).isEqualTo(401);

        service.post("/admin/workspaces/" + ws.id() + "/disable", "", admin());
        assertRefused(service.post(ws.emailPath(), body, ws.bearer()), 403, "workspace_disabled");
        assertRefused(service.post(ws.emailPath(), body, "Authorization", "Bearer nope"), 401, "invalid_token");
        assertNothingStored(ws);
        service.post("/admin/workspaces/" + ws.id() + "/enable", "", admin());
        assertThat(service.post(ws.emailPath(), body, ws.bearer()).statusCode()).isEqualTo(200);
    }

    @Test
    void aRotatedIntakeTokenKeepsTheOldOneForTheGracePeriodOnly() {
        TestWorkspace ws = service.createWorkspace();
        String next = service.json(service.post("/admin/workspaces/" + ws.id() + "/intake-token/rotate", "", admin()))
                .get("intakeToken").getStringValue();
        assertThat(service.post(ws.emailPath(), Deliveries.reply(80, "j@x.example"), ws.bearer()).statusCode()).isEqualTo(200);
        assertThat(service.post(ws.emailPath(), Deliveries.reply(81, "j@x.example"), "Authorization", "Bearer " + next)
                .statusCode()).isEqualTo(200);
        String last = service.json(service.post("/admin/workspaces/" + ws.id() + "/intake-token/rotate",
                "{\"graceSeconds\":0}", admin())).get("intakeToken").getStringValue();
        assertRefused(service.post(ws.emailPath(), Deliveries.reply(82, "j@x.example"), ws.bearer()), 401, "invalid_token");
        assertRefused(service.post(ws.emailPath(), Deliveries.reply(82, "j@x.example"), "Authorization", "Bearer " + next),
                401, "invalid_token");
        assertThat(service.post(ws.emailPath(), Deliveries.reply(82, "j@x.example"), "Authorization", "Bearer " + last)
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aRotatedOutSecretAndTokenWorkInsideAPositiveGraceAndAreRefusedOnceItHasPassed() {
        TestWorkspace ws = service.createWorkspace();
        String nextSecret = service.json(service.post("/admin/workspaces/" + ws.id() + "/signing-secret/rotate",
                "{\"graceSeconds\":4}", admin())).get("signingSecret").getStringValue();
        String nextToken = service.json(service.post("/admin/workspaces/" + ws.id() + "/intake-token/rotate",
                "{\"graceSeconds\":4}", admin())).get("intakeToken").getStringValue();
        String signed = Deliveries.reply(95, "g@x.example");
        String bearer = Deliveries.reply(96, "g@x.example");

        // inside the grace the old ones still work
        assertAccepted(ws, signed, ws.signingSecret());
        assertThat(service.post(ws.emailPath(), bearer, ws.bearer()).statusCode()).isEqualTo(200);

        // once it has passed (database time) they are refused, and only they are
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> service.post(
                ws.emailPath(), signed, Deliveries.signed(signed, ws.signingSecret())).statusCode() == 401);
        assertRefused(service.post(ws.emailPath(), signed, Deliveries.signed(signed, ws.signingSecret())), 401,
                "signature_mismatch");
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(250)).until(() -> service.post(
                ws.emailPath(), bearer, ws.bearer()).statusCode() == 401);
        assertRefused(service.post(ws.emailPath(), bearer, ws.bearer()), 401, "invalid_token");
        assertThat(service.post(ws.emailPath(), Deliveries.reply(97, "g@x.example"), "Authorization",
                "Bearer " + nextToken).statusCode()).isEqualTo(200);
        assertAccepted(ws, Deliveries.reply(98, "g@x.example"), nextSecret);
    }

    private void assertAccepted(TestWorkspace ws, String body, String... secrets) {
        HttpResponse<String> r = service.post(ws.emailPath(), body, Deliveries.signed(body, secrets));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(service.json(r).get("status").getStringValue()).isEqualTo("accepted");
    }

    private void assertRefused(HttpResponse<String> r, int status, String reason) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode problem = service.json(r);
        assertThat(problem.get("status").getIntValue()).isEqualTo(status);
        assertThat(problem.get("reason").getStringValue()).isEqualTo(reason);
    }

    private void assertNothingStored(TestWorkspace ws) {
        assertThat(service.messages(ws.id())).isZero();
        assertThat(service.leads(ws.id())).isZero();
        assertThat(service.outboxRows(ws.id())).isZero();
    }

    private static String[] admin() {
        return new String[] {"Authorization", "Bearer " + RunningWebhookService.ADMIN_TOKEN};
    }

}
