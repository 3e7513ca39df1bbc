package dev.ballast.webhook.workspace;

import java.security.SecureRandom;
import java.util.Base64;

/** Generates and reads the two kinds of workspace credentials: {@code whsec_} signing secrets and intake tokens. */
public final class WebhookSecrets {

    public static final String SIGNING_SECRET_PREFIX = "whsec_";
    public static final String INTAKE_TOKEN_PREFIX = "wit_";
    private static final int MIN_SECRET_BYTES = 24;
    private static final int MAX_SECRET_BYTES = 64;
    private static final SecureRandom RANDOM = new SecureRandom();

    private WebhookSecrets() {
    }

    public static byte[] newSigningSecret() {
        byte[] secret = new byte[32];
        RANDOM.nextBytes(secret);
        return secret;
    }

    public static String formatSigningSecret(byte[] secret) {
        return SIGNING_SECRET_PREFIX + Base64.getEncoder().encodeToString(secret);
    }

    /** The key bytes of a {@code whsec_...} secret (the prefix is optional), or IllegalArgumentException. */
    public static byte[] parseSigningSecret(String formatted) {
        String b64 = formatted.strip();
        if (b64.startsWith(SIGNING_SECRET_PREFIX)) {
            b64 = b64.substring(SIGNING_SECRET_PREFIX.length());
        }
        byte[] key;
        try {
            key = Base64.getDecoder().decode(b64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("a signing secret is whsec_ followed by base64");
        }
        if (key.length < MIN_SECRET_BYTES || key.length > MAX_SECRET_BYTES) {
            throw new IllegalArgumentException("a signing secret must hold " + MIN_SECRET_BYTES + " to "
                    + MAX_SECRET_BYTES + " bytes, this one holds " + key.length);
        }
        return key;
    }

    public static String newIntakeToken() {
        byte[] token = new byte[32];
        RANDOM.nextBytes(token);
        return INTAKE_TOKEN_PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(token);
    }
}
