package dev.ballast.integrations.calls;

import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.integrations.testing.Providers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A caller that hangs up abandons the provider call: it ends long before the provider's 20 s delay, classed
 * CALLER_CANCELLED, is never retried, and its stored-answer row says so.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CallerCancelledTest {

    private static final int PROVIDER_DELAY_MS = 20_000;
    private IntegrationsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = IntegrationsServiceUnderTest.start(Map.of(
                "micronaut.http.services.slack.read-timeout", "30s",
                "micronaut.http.services.ai.read-timeout", "30s",
                "ballast.clients.slack.deadline", "40s",
                "ballast.clients.ai.deadline", "40s"));
        Providers.allWorking(service.providers());
        service.providers().stubFor(any(urlEqualTo("/slack/chat.postMessage")).atPriority(1)
                .willReturn(Providers.slackOk("C1").withFixedDelay(PROVIDER_DELAY_MS)));
        service.providers().stubFor(any(urlEqualTo("/ai/chat/completions")).atPriority(1)
                .willReturn(Providers.chatCompletion("{}").withFixedDelay(PROVIDER_DELAY_MS)));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void aSendAbandonedByItsCallerIsFinalAndNeverResent() throws Exception {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        long started = System.nanoTime();
        hangUpDuring("/notifications/slack", ws, "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"text\":\"hi\"}",
                "/slack/chat.postMessage");

        await().atMost(Duration.ofSeconds(5)).until(() -> "DONE".equals(state(ws)));
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(PROVIDER_DELAY_MS));
        Map<String, Object> row = row(ws);
        assertThat(row.get("abort_class")).isEqualTo("CALLER_CANCELLED");
        assertThat(row.get("http_status")).isEqualTo(409);
        assertThat(service.providers().findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage")))).hasSize(1);
    }

    @Test
    void anAbandonedAiCallIsNotRetriedAndLeavesItsKeyForTheRetry() throws Exception {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        int before = service.providers().findAll(postRequestedFor(urlEqualTo("/ai/chat/completions"))).size();
        hangUpDuring("/ai/sentiment", ws, "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"body\":\"x\"}",
                "/ai/chat/completions");

        await().atMost(Duration.ofSeconds(5)).until(() -> "RETRYABLE".equals(state(ws)));
        assertThat(row(ws).get("abort_class")).isEqualTo("CALLER_CANCELLED");
        assertThat(service.providers().findAll(postRequestedFor(urlEqualTo("/ai/chat/completions")))).hasSize(before + 1);
    }

    /** Sends the operation on a raw socket and closes it once the provider has the request. */
    private void hangUpDuring(String path, UUID ws, String body, String providerPath) throws Exception {
        int before = service.providers().findAll(postRequestedFor(urlEqualTo(providerPath))).size();
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try (Socket socket = new Socket(service.base().getHost(), service.base().getPort())) {
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + path + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: Bearer " + IntegrationsServiceUnderTest.SERVICE_TOKEN + "\r\n"
                    + "X-Workspace-Id: " + ws + "\r\nIdempotency-Key: k\r\nContent-Length: " + bytes.length + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            await().atMost(Duration.ofSeconds(5)).until(() ->
                    service.providers().findAll(postRequestedFor(urlEqualTo(providerPath))).size() > before);
        }
    }

    private Object state(UUID ws) {
        return service.queryOne("SELECT state FROM integrations.stored_answers WHERE workspace_id = ?", ws);
    }

    private Map<String, Object> row(UUID ws) {
        return service.query("SELECT * FROM integrations.stored_answers WHERE workspace_id = ?", ws).getFirst();
    }
}
