package dev.ballast.sandbox;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/** The sandbox answers like the providers, and a fault switched on hits only its provider and workspace. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderSandboxTest {

    private final HttpClient http = HttpClient.newHttpClient();
    private ProviderSandbox sandbox;

    @BeforeAll
    void start() throws Exception {
        sandbox = new ProviderSandbox(0, 0);
        sandbox.start();
    }

    @AfterAll
    void stop() {
        sandbox.close();
    }

    @Test
    void aFaultHitsOnlyItsProviderAndWorkspaceUntilSwitchedOff() throws Exception {
        assertThat(slack("xoxb-ws-1").body()).contains("\"ok\":true");
        assertThat(control("POST", "/faults", "{\"provider\":\"slack\",\"workspace\":\"ws-1\",\"kind\":\"disconnected\"}")
                .statusCode()).isEqualTo(201);

        assertThat(slack("xoxb-ws-1").body()).contains("invalid_auth");
        assertThat(slack("xoxb-ws-2").body()).contains("\"ok\":true");
        HttpResponse<String> unipile = http.send(HttpRequest.newBuilder(URI.create(base() + "/unipile/api/v1/accounts/a"))
                .header("X-API-KEY", "ws-1").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(unipile.statusCode()).isEqualTo(200);
        assertThat(unipile.body()).contains("\"status\":\"OK\"");

        control("POST", "/faults", "{\"provider\":\"*\",\"kind\":\"http_429\",\"retryAfterS\":7}");
        HttpResponse<String> limited = slack("xoxb-ws-2");
        assertThat(limited.statusCode()).isEqualTo(429);
        assertThat(limited.headers().firstValue("Retry-After")).hasValue("7");

        // one workspace's faults off: the fault for every workspace stays
        assertThat(control("DELETE", "/faults?workspace=ws-1", null).body()).doesNotContain("ws-1").contains("http_429");
        assertThat(slack("xoxb-ws-2").statusCode()).isEqualTo(429);
        control("DELETE", "/faults", null);
        assertThat(slack("xoxb-ws-1").body()).contains("\"ok\":true");
        assertThat(control("GET", "/stats", null).body()).contains("\"slack\" : 6").contains("\"unipile\" : 1");
        // one workspace's requests, by the part of its credentials a fault would name
        assertThat(control("GET", "/stats?credential=ws-1", null).body())
                .contains("\"POST /slack/chat.postMessage\" : 3", "\"GET /unipile/api/v1/accounts/a\" : 1");
        assertThat(control("GET", "/stats?credential=ws-2", null).body())
                .contains("\"POST /slack/chat.postMessage\" : 3").doesNotContain("unipile");
        assertThat(control("POST", "/faults", "{\"provider\":\"slack\",\"kind\":\"melt\"}").statusCode()).isEqualTo(400);
    }

    private HttpResponse<String> slack(String token) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(base() + "/slack/chat.postMessage"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"channel\":\"#c\",\"text\":\"hi\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> control(String method, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + sandbox.controlPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    private String base() {
        return "http://localhost:" + sandbox.port();
    }
}
