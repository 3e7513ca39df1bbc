package dev.ballast.webhook.workspace;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Base64;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SigningSecretCipherTest {

    private static final String KEY = Base64.getEncoder().encodeToString(new byte[32]);

    @Test
    void aSecretComesBackOnlyForTheWorkspaceAndKeyItWasEncryptedWith() {
        SigningSecretCipher cipher = cipher(KEY);
        UUID workspace = UUID.randomUUID();
        byte[] secret = WebhookSecrets.newSigningSecret();
        byte[] sealed = cipher.encrypt(workspace, secret);

        assertThat(cipher.decrypt(workspace, sealed)).isEqualTo(secret);
        assertThat(new String(sealed, java.nio.charset.StandardCharsets.ISO_8859_1))
                .doesNotContain(new String(secret, java.nio.charset.StandardCharsets.ISO_8859_1));
        assertThat(cipher.encrypt(workspace, secret)).isNotEqualTo(sealed);
        assertThatThrownBy(() -> cipher.decrypt(UUID.randomUUID(), sealed))
                .isInstanceOf(SigningSecretCipher.SecretUnavailableException.class);
        byte[] otherKey = new byte[32];
        otherKey[0] = 1;
        assertThatThrownBy(() -> cipher(Base64.getEncoder().encodeToString(otherKey)).decrypt(workspace, sealed))
                .isInstanceOf(SigningSecretCipher.SecretUnavailableException.class)
                .hasMessageContaining("WEBHOOK_SECRET_KEY");
    }

    @Test
    void withoutAKeyNothingIsEncryptedAndAWrongKeyFailsAtStart() {
        SigningSecretCipher none = cipher("");
        assertThat(none.available()).isFalse();
        assertThatThrownBy(() -> none.encrypt(UUID.randomUUID(), new byte[32]))
                .hasMessageContaining("WEBHOOK_SECRET_KEY is not set");
        assertThatThrownBy(() -> cipher(Base64.getEncoder().encodeToString(new byte[16])))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("32 bytes");
        assertThatThrownBy(() -> cipher("not base64!")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signingSecretsHaveTheWhsecFormatAndImportedOnesAreChecked() {
        String formatted = WebhookSecrets.formatSigningSecret(WebhookSecrets.newSigningSecret());
        assertThat(formatted).startsWith("whsec_");
        assertThat(WebhookSecrets.parseSigningSecret(formatted)).hasSize(32);
        assertThat(WebhookSecrets.parseSigningSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")).hasSize(24);
        assertThatThrownBy(() -> WebhookSecrets.parseSigningSecret("whsec_c2hvcnQ=")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> WebhookSecrets.parseSigningSecret("whsec_***")).isInstanceOf(IllegalArgumentException.class);
        assertThat(WebhookSecrets.newIntakeToken()).startsWith("wit_").hasSizeGreaterThan(40);
    }

    private static SigningSecretCipher cipher(String key) {
        return new SigningSecretCipher(new WorkspaceSettings("admin", key, Duration.ofHours(1)));
    }
}
