package dev.ballast.webhook.auth;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.webhook.intake.IntakeSettings;
import dev.ballast.webhook.workspace.SigningSecretCipher;
import dev.ballast.webhook.workspace.WebhookCredential;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.MessageDigest;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Decides whether a delivery comes from a sender the workspace trusts: a Standard Webhooks signature when the
 * sender signs ({@code webhook-signature} present: then only the signature counts), otherwise the
 * workspace's intake token as {@code Authorization: Bearer} or {@code ?token=} (EmailBison cannot sign).
 */
@Singleton
public final class WebhookAuthenticator {

    public static final String WEBHOOK_ID = "webhook-id";
    public static final String WEBHOOK_TIMESTAMP = "webhook-timestamp";
    public static final String WEBHOOK_SIGNATURE = "webhook-signature";
    private static final Logger LOG = LoggerFactory.getLogger(WebhookAuthenticator.class);

    private final SigningSecretCipher cipher;
    private final StandardWebhookVerifier verifier;
    private final Clock clock;

    WebhookAuthenticator(SigningSecretCipher cipher, IntakeSettings settings, Clock clock) {
        this.cipher = cipher;
        this.verifier = new StandardWebhookVerifier(settings.signatureTolerance());
        this.clock = clock;
    }

    /**
     * Whether {@link #authenticate} would look at a {@code ?token=}: only when the delivery is neither signed nor
     * carries a bearer token (so the query string need not be decoded for the others).
     */
    public static boolean readsQueryToken(HttpHeaders headers) {
        return !headers.contains(WEBHOOK_SIGNATURE)
                && BearerTokenGuard.bearer(headers.get(HttpHeaders.AUTHORIZATION)) == null;
    }

    public AuthResult authenticate(UUID workspaceId, List<WebhookCredential> live, HttpHeaders headers,
                                   @Nullable String queryToken, byte[] body) {
        if (headers.contains(WEBHOOK_SIGNATURE)) {
            return bySignature(workspaceId, live, headers, body);
        }
        String token = BearerTokenGuard.bearer(headers.get(HttpHeaders.AUTHORIZATION));
        if (token == null) {
            token = queryToken == null || queryToken.isBlank() ? null : queryToken.strip();
        }
        if (token == null) {
            return AuthResult.refused("missing_credentials");
        }
        byte[] presented = BearerTokenGuard.sha256(token);
        boolean match = false;
        for (WebhookCredential c : live) {
            // No early exit: every live token is compared, matching or not.
            if (c.intakeToken() && MessageDigest.isEqual(presented, c.tokenSha256())) {
                match = true;
            }
        }
        return match ? AuthResult.authenticated("token") : AuthResult.refused("invalid_token");
    }

    private AuthResult bySignature(UUID workspaceId, List<WebhookCredential> live, HttpHeaders headers, byte[] body) {
        List<byte[]> secrets = new ArrayList<>();
        try {
            for (WebhookCredential c : live) {
                if (c.signingSecret()) {
                    secrets.add(cipher.decrypt(workspaceId, c.secretCiphertext()));
                }
            }
        } catch (SigningSecretCipher.SecretUnavailableException e) {
            LOG.error("workspace={} signed delivery cannot be verified: {}", workspaceId, e.getMessage());
            return AuthResult.unavailable("signing_secret_unavailable");
        }
        StandardWebhookVerifier.Verdict verdict = verifier.verify(headers.get(WEBHOOK_ID),
                headers.get(WEBHOOK_TIMESTAMP), headers.get(WEBHOOK_SIGNATURE), body, secrets, clock.instant());
        return switch (verdict) {
            case VALID -> AuthResult.authenticated("signature");
            case MISSING_HEADERS -> AuthResult.refused("missing_signature_headers");
            case INVALID_TIMESTAMP -> AuthResult.refused("invalid_timestamp");
            case STALE_TIMESTAMP -> AuthResult.refused("stale_timestamp");
            case NO_SECRET -> AuthResult.refused("no_signing_secret");
            case NO_MATCH -> AuthResult.refused("signature_mismatch");
        };
    }
}
