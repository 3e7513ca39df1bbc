package dev.ballast.jobs.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.testsupport.JvmProcess;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The real integrations-service (its built jar in a JVM of its own, on a database of its own) with WireMock as every
 * provider behind it ({@code /ai}, {@code /emailbison}, {@code /ghl}, {@code /slack}, {@code /unipile}), for
 * jobs-service tests whose flow crosses into it.
 */
public final class RealIntegrationsService implements AutoCloseable {

    public static final String SERVICE_TOKEN = "it-integrations-token";
    private static final String ADMIN_TOKEN = "it-admin-token";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    private final TestDatabase db = TestPostgres.freshDatabase();
    public final WireMockServer providers = new WireMockServer(options().dynamicPort());
    private final JvmProcess process;
    private final String url;

    public RealIntegrationsService() throws IOException {
        providers.start();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        url = "http://localhost:" + port;
        Map<String, String> props = new LinkedHashMap<>(db.datasourceProperties());
        props.put("micronaut.server.port", Integer.toString(port));
        props.put("ballast.integrations.service-token", SERVICE_TOKEN);
        props.put("ballast.integrations.admin-token", ADMIN_TOKEN);
        props.put("ballast.integrations.credentials.secret-key", "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=");
        props.put("ballast.integrations.ai.api-key", "sk-it");
        for (String p : List.of("ai", "emailbison", "ghl", "slack", "unipile")) {
            props.put("micronaut.http.services." + p + ".url", providers.baseUrl() + "/" + p);
        }
        String jar = System.getProperty("ballast.integrations-service.jar");
        assertThat(jar).as("integrations-service jar (the reactor packages it first)").isNotNull();
        Path log = Files.createTempFile("integrations-service-", ".log");
        process = JvmProcess.startJar(Path.of(jar), props, log);
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(process.alive()).as("integrations-service running, see " + log).isTrue();
            return status("GET", "/health/readiness", null) == 200;
        });
    }

    public String url() {
        return url;
    }

    /** jobs-service properties that point its integrations client here. */
    public Map<String, Object> clientProperties() {
        return Map.of("micronaut.http.services.integrations.url", url,
                "ballast.service-tokens.integrations", SERVICE_TOKEN);
    }

    /** Stores a workspace's credentials for a provider through the admin API. */
    public void connect(UUID workspace, String provider, String credentials) throws Exception {
        assertThat(status("PUT", "/admin/workspaces/" + workspace + "/integrations/" + provider, credentials))
                .isEqualTo(200);
    }

    private int status(String method, String path, String body) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).timeout(Duration.ofSeconds(5))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).header("Content-Type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            if (body == null) {
                return -1;
            }
            throw e;
        }
    }

    @Override
    public void close() {
        process.stop();
        db.close();
        providers.stop();
        http.close();
    }
}
