package dev.ballast.integrations.providers;

/**
 * A provider answered, but not with what was asked: an answer that says the credentials no longer work, a rate
 * limit, a refusal of the request, or (AI) an answer that is not what the prompt asked for. {@code code} is the
 * provider's own error code (Slack's {@code error}, Unipile's {@code type}), safe to store and show.
 */
public final class ProviderRefusal extends RuntimeException {

    public enum Kind { DISCONNECTED, RATE_LIMITED, REJECTED, INVALID_ANSWER }

    private final Kind kind;
    private final String code;

    public ProviderRefusal(Kind kind, String code) {
        super(kind + ": " + code, null, false, false);
        this.kind = kind;
        this.code = code;
    }

    public Kind kind() {
        return kind;
    }

    public String code() {
        return code;
    }
}
