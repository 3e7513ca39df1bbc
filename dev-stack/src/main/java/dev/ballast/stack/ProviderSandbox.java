package dev.ballast.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The provider sandbox in the stack: integrations-service is pointed at it (unless the environment names real
 * providers), and once everything is ready a demo workspace gets local credentials for every provider, so jobs
 * complete and health changes with no real account. Faults: {@code curl -XPOST localhost:8091/faults -d
 * '{"provider":"unipile","workspace":"demo","kind":"disconnected"}'}.
 */
final class ProviderSandbox {

    static final String NAME = "provider-sandbox";
    static final int PORT = 8090;
    /** The demo workspace of the local stack; its sandbox tokens contain "demo", which faults can match. */
    static final String DEMO_WORKSPACE = "00000000-0000-4000-8000-00000000d3e0";
    private static final List<String> PROVIDERS = List.of("ai", "emailbison", "ghl", "slack", "unipile");

    private ProviderSandbox() {
    }

    /** Provider URLs (and the service-wide AI key) pointing at the sandbox; a value in the environment wins. */
    static Map<String, String> environment(Map<String, String> given) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String p : PROVIDERS) {
            env.put(p.toUpperCase(java.util.Locale.ROOT) + "_URL", "http://localhost:" + PORT + "/" + p);
        }
        env.put("AI_API_KEY", "sandbox-ai-demo");
        env.keySet().removeIf(k -> given.get(k) != null && !given.get(k).isBlank());
        return env;
    }

    /** Stores sandbox credentials for the demo workspace through integrations-service's admin API. */
    static void connectDemoWorkspace(List<ServiceSpec> services, Map<String, String> secrets, PrintStream out) {
        if (services.stream().noneMatch(s -> s.name().equals(NAME))
                || services.stream().noneMatch(s -> s.name().equals("integrations-service"))) {
            return;
        }
        Map<String, String> credentials = Map.of(
                "emailbison", "{\"token\":\"sandbox-emailbison-demo\"}",
                "ghl", "{\"token\":\"sandbox-ghl-demo\",\"accountId\":\"loc-sandbox\"}",
                "slack", "{\"token\":\"xoxb-sandbox-demo\",\"channel\":\"#replies\",\"alertChannel\":\"#alerts\"}",
                "unipile", "{\"token\":\"sandbox-unipile-demo\",\"accountId\":\"acc-sandbox\"}");
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        for (var c : credentials.entrySet()) {
            HttpRequest put = HttpRequest.newBuilder(URI.create("http://localhost:8084/admin/workspaces/" + DEMO_WORKSPACE
                            + "/integrations/" + c.getKey()))
                    .timeout(Duration.ofSeconds(5))
                    .header("Authorization", "Bearer " + secrets.get("INTEGRATIONS_ADMIN_TOKEN"))
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString(c.getValue())).build();
            try {
                int status = http.send(put, HttpResponse.BodyHandlers.discarding()).statusCode();
                if (status != 200) {
                    out.println("stack: demo credentials for " + c.getKey() + " not stored (HTTP " + status + ")");
                }
            } catch (IOException e) {
                out.println("stack: demo credentials for " + c.getKey() + " not stored: " + e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        out.println("stack: demo workspace " + DEMO_WORKSPACE + " uses the provider sandbox (faults: POST "
                + "http://localhost:8091/faults)");
    }
}
