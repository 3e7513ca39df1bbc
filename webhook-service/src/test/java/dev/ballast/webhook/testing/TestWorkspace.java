package dev.ballast.webhook.testing;

import java.util.UUID;

/** A workspace created through the admin API, with the secret and token shown at creation. */
public record TestWorkspace(UUID id, String signingSecret, String intakeToken) {

    public String emailPath() {
        return "/webhooks/email/" + id;
    }

    public String ghlPath() {
        return "/webhooks/ghl/sms/" + id;
    }

    /** The header pair that authenticates with the intake token. */
    public String[] bearer() {
        return new String[] {"Authorization", "Bearer " + intakeToken};
    }
}
