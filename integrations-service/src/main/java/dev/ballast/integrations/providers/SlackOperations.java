package dev.ballast.integrations.providers;

import dev.ballast.integrations.api.IntegrationsOperations.SlackReceipt;
import dev.ballast.integrations.providers.SlackClient.SlackAnswer;
import jakarta.inject.Singleton;

import java.util.Set;

/** Slack's {@code ok: false} answers sorted into refusals; an auth error means the workspace's Slack is disconnected. */
@Singleton
public final class SlackOperations {

    static final Set<String> DISCONNECTED = Set.of("invalid_auth", "account_inactive", "token_revoked",
            "token_expired", "not_authed", "team_disabled");

    private final SlackClient client;

    SlackOperations(SlackClient client) {
        this.client = client;
    }

    public SlackReceipt post(String channel, String text) {
        SlackAnswer answer = checked(client.postMessage(new SlackClient.PostMessage(channel, text)));
        return new SlackReceipt(answer.channel(), answer.ts());
    }

    public void check() {
        checked(client.authTest());
    }

    private static SlackAnswer checked(SlackAnswer answer) {
        if (answer == null) {
            throw new ProviderRefusal(ProviderRefusal.Kind.INVALID_ANSWER, "empty_answer");
        }
        if (answer.ok()) {
            return answer;
        }
        String error = answer.error() == null ? "unknown_error" : answer.error();
        if (DISCONNECTED.contains(error)) {
            throw new ProviderRefusal(ProviderRefusal.Kind.DISCONNECTED, error);
        }
        if ("ratelimited".equals(error)) {
            throw new ProviderRefusal(ProviderRefusal.Kind.RATE_LIMITED, error);
        }
        throw new ProviderRefusal(ProviderRefusal.Kind.REJECTED, error);
    }
}
