package dev.ballast.sandbox;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.Request;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;

/**
 * Turns a mapping's answer into the fault switched on for its provider and workspace, if any, and counts the
 * requests each provider served (the benches read them to compute how many provider requests a call cost), and per
 * credential the requests by method and path (the stack's demo checks with them what one workspace was sent).
 */
final class FaultTransformer implements ResponseDefinitionTransformerV2 {

    private final Faults faults;
    private final Map<String, LongAdder> served = new ConcurrentHashMap<>();
    // credential (Authorization and X-API-KEY) -> "METHOD /path" -> count; sandbox tokens only, a handful per workspace
    private final Map<String, Map<String, LongAdder>> byCredential = new ConcurrentHashMap<>();

    FaultTransformer(Faults faults) {
        this.faults = faults;
    }

    @Override
    public String getName() {
        return "ballast-faults";
    }

    Map<String, Long> served() {
        Map<String, Long> counts = new java.util.TreeMap<>();
        served.forEach((k, v) -> counts.put(k, v.sum()));
        return counts;
    }

    /** Requests by "METHOD /path" (no query) made with a credential containing {@code part}. */
    Map<String, Long> servedWith(String part) {
        Map<String, Long> counts = new java.util.TreeMap<>();
        byCredential.forEach((credential, requests) -> {
            if (credential.contains(part)) {
                requests.forEach((request, n) -> counts.merge(request, n.sum(), Long::sum));
            }
        });
        return counts;
    }

    void resetCounts() {
        served.clear();
        byCredential.clear();
    }

    @Override
    public ResponseDefinition transform(ServeEvent event) {
        Request request = event.getRequest();
        String path = request.getUrl();
        int slash = path.indexOf('/', 1);
        String provider = slash > 1 ? path.substring(1, slash) : path.substring(1);
        served.computeIfAbsent(provider, p -> new LongAdder()).increment();
        String credential = header(request, "Authorization") + " " + header(request, "X-API-KEY");
        int query = path.indexOf('?');
        byCredential.computeIfAbsent(credential, c -> new ConcurrentHashMap<>())
                .computeIfAbsent(request.getMethod().getName() + " " + (query < 0 ? path : path.substring(0, query)),
                        r -> new LongAdder()).increment();
        Fault fault = faults.hit(provider, credential);
        ResponseDefinition original = event.getResponseDefinition();
        if (fault == null) {
            return original;
        }
        return switch (fault.kind()) {
            case "latency" -> ResponseDefinitionBuilder.like(original).withFixedDelay(fault.latencyMs()).build();
            case "http_500" -> json(500, "{\"error\":\"internal_error\",\"message\":\"sandbox fault\"}").build();
            case "http_503" -> json(503, "{\"error\":\"service_unavailable\"}")
                    .withHeader("Retry-After", Integer.toString(fault.retryAfterS())).build();
            case "http_429" -> json(429, "{\"error\":\"rate_limited\",\"message\":\"Too Many Requests\"}")
                    .withHeader("Retry-After", Integer.toString(fault.retryAfterS())).build();
            case "reset" -> aResponse().withFault(com.github.tomakehurst.wiremock.http.Fault.CONNECTION_RESET_BY_PEER).build();
            default -> disconnected(provider).build();
        };
    }

    /** How each provider says the credentials no longer work. */
    private static ResponseDefinitionBuilder disconnected(String provider) {
        return switch (provider) {
            case "unipile" -> json(401, "{\"status\":401,\"type\":\"errors/disconnected_account\",\"title\":"
                    + "\"Disconnected account\",\"detail\":\"The account appears to be disconnected from the provider service.\"}");
            case "slack" -> json(200, "{\"ok\":false,\"error\":\"invalid_auth\"}");
            case "ghl" -> json(401, "{\"statusCode\":401,\"message\":\"Invalid JWT\"}");
            default -> json(401, "{\"message\":\"Unauthenticated.\"}");
        };
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json").withBody(body);
    }

    private static String header(Request request, String name) {
        String v = request.getHeader(name);
        return v == null ? "" : v;
    }
}
