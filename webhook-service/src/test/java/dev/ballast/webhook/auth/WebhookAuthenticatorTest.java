package dev.ballast.webhook.auth;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.webhook.intake.IntakeSettings;
import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.workspace.SigningSecretCipher;
import dev.ballast.webhook.workspace.WebhookCredential;
import dev.ballast.webhook.workspace.WebhookSecrets;
import dev.ballast.webhook.workspace.WorkspaceSettings;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.MutableHttpRequest;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

class WebhookAuthenticatorTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);
    private final UUID workspace = UUID.randomUUID();
    private final IntakeSettings settings = new IntakeSettings(262144, Duration.ofSeconds(2), Duration.ofSeconds(2),
            Duration.ofSeconds(10), Duration.ofMinutes(5), true);

    @Test
    void withoutTheSecretKeyASignedDeliveryCannotBeCheckedAndIsNotRefusedAsForged() {
        String secret = WebhookSecrets.formatSigningSecret(WebhookSecrets.newSigningSecret());
        byte[] sealed = cipher(KEY).encrypt(workspace, WebhookSecrets.parseSigningSecret(secret));
        List<WebhookCredential> live = List.of(new WebhookCredential(1L, workspace, WebhookCredential.SIGNING_SECRET,
                sealed, null, Instant.now(), null));
        String body = "{}";
        MutableHttpRequest<?> request = HttpRequest.POST("/", body);
        String[] h = Deliveries.signed(body, secret);
        for (int i = 0; i < h.length; i += 2) {
            request.header(h[i], h[i + 1]);
        }
        byte[] raw = body.getBytes(StandardCharsets.UTF_8);

        assertThat(authenticator(KEY).authenticate(workspace, live, request.getHeaders(), null, raw))
                .isEqualTo(new AuthResult(AuthResult.Outcome.AUTHENTICATED, "signature", null));
        assertThat(authenticator("").authenticate(workspace, live, request.getHeaders(), null, raw).outcome())
                .isEqualTo(AuthResult.Outcome.UNAVAILABLE);
        byte[] otherKey = new byte[32];
        otherKey[31] = 7;
        assertThat(authenticator(Base64.getEncoder().encodeToString(otherKey))
                .authenticate(workspace, live, request.getHeaders(), null, raw).outcome())
                .isEqualTo(AuthResult.Outcome.UNAVAILABLE);
    }

    @Test
    void tokensAreComparedByHashAndOnlyTheWorkspacesOwnCount() {
        String token = WebhookSecrets.newIntakeToken();
        List<WebhookCredential> live = List.of(new WebhookCredential(2L, workspace, WebhookCredential.INTAKE_TOKEN,
                null, BearerTokenGuard.sha256(token), Instant.now(), null));
        WebhookAuthenticator auth = authenticator(KEY);
        assertThat(auth.authenticate(workspace, live, HttpRequest.POST("/", "").bearerAuth(token).getHeaders(), null,
                new byte[0]).outcome()).isEqualTo(AuthResult.Outcome.AUTHENTICATED);
        assertThat(auth.authenticate(workspace, live, HttpRequest.POST("/", "").getHeaders(), token, new byte[0]).outcome())
                .isEqualTo(AuthResult.Outcome.AUTHENTICATED);
        assertThat(auth.authenticate(workspace, List.of(), HttpRequest.POST("/", "").bearerAuth(token).getHeaders(), null,
                new byte[0]).reason()).isEqualTo("invalid_token");
        assertThat(auth.authenticate(workspace, live, HttpRequest.POST("/", "").getHeaders(), " ", new byte[0]).reason())
                .isEqualTo("missing_credentials");
    }

    private WebhookAuthenticator authenticator(String key) {
        return new WebhookAuthenticator(cipher(key), settings, Clock.systemUTC());
    }

    private static SigningSecretCipher cipher(String key) {
        return new SigningSecretCipher(new WorkspaceSettings("admin", key, Duration.ofHours(1)));
    }
}
