package dev.ballast.sandbox;

/**
 * One switchable fault: which provider's requests ({@code ai}, {@code slack}, ...; {@code *} for all), optionally only
 * a workspace's (a string its credential contains: the sandbox sees tokens, not workspaces), what goes wrong and how
 * often.
 *
 * @param provider    provider path prefix, or {@code *}
 * @param workspace   substring of the request's {@code Authorization} or {@code X-API-KEY}; null or empty: any
 * @param kind        latency, http_500, http_503, http_429, reset, disconnected
 * @param rate        share of matching requests it hits, 0..1
 * @param latencyMs   added delay for {@code latency}
 * @param retryAfterS {@code Retry-After} of {@code http_429} and {@code http_503}
 */
public record Fault(String provider, String workspace, String kind, double rate, int latencyMs, int retryAfterS) {

    static final java.util.Set<String> KINDS = java.util.Set.of("latency", "http_500", "http_503", "http_429", "reset",
            "disconnected");

    /** The fault as given, with defaults filled in; throws on nonsense. */
    Fault validated() {
        if (provider == null || provider.isBlank()) {
            throw new IllegalArgumentException("provider is required (ai, emailbison, ghl, slack, unipile or *)");
        }
        if (kind == null || !KINDS.contains(kind)) {
            throw new IllegalArgumentException("kind must be one of " + KINDS);
        }
        double r = rate <= 0 ? 1.0 : Math.min(rate, 1.0);
        return new Fault(provider, workspace == null ? "" : workspace, kind, r,
                latencyMs <= 0 ? 2000 : latencyMs, retryAfterS <= 0 ? 1 : retryAfterS);
    }
}
