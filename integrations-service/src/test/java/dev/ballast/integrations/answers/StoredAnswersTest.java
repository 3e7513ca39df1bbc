package dev.ballast.integrations.answers;

import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.integrations.testing.Providers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** The stored-answer rule: one provider call per (workspace, operation, Idempotency-Key), whatever happens. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StoredAnswersTest {

    private IntegrationsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = IntegrationsServiceUnderTest.start(Map.of());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @BeforeEach
    void reset() {
        service.providers().resetAll();
        Providers.allWorking(service.providers());
    }

    @Test
    void aRepeatedKeyGetsTheStoredAnswerWithoutASecondProviderCall() {
        UUID ws = workspace();
        HttpResponse<String> first = service.operation("/notifications/slack", ws, "k-1", notice(ws, "hello"));
        HttpResponse<String> second = service.operation("/notifications/slack", ws, "k-1", notice(ws, "hello"));

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(first.body()).contains("C0NOTICES");
        assertThat(slackPosts()).isEqualTo(1);
        assertThat(service.queryOne("SELECT state FROM integrations.stored_answers WHERE workspace_id = ?", ws))
                .isEqualTo("DONE");
    }

    @Test
    void fiftyConcurrentRequestsWithOneKeyMakeOneProviderCallAndGetFiftyEqualAnswers() throws Exception {
        UUID ws = workspace();
        service.providers().stubFor(post(urlEqualTo("/slack/chat.postMessage"))
                .willReturn(Providers.slackOk("C0NOTICES").withFixedDelay(300)));
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 50; i++) {
                answers.add(pool.submit(() -> {
                    go.await();
                    return service.operation("/notifications/slack", ws, "same-key", notice(ws, "once"));
                }));
            }
            go.countDown();
            List<String> bodies = new ArrayList<>();
            for (Future<HttpResponse<String>> a : answers) {
                HttpResponse<String> r = a.get();
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                bodies.add(r.body());
            }
            assertThat(bodies).containsOnly(bodies.getFirst());
        }
        assertThat(slackPosts()).isEqualTo(1);
        assertThat(service.count("SELECT count(*) FROM integrations.stored_answers WHERE workspace_id = ?", ws)).isEqualTo(1);
    }

    @Test
    void aKeyReusedWithAnotherBodyIs422AndCallsNothing() {
        UUID ws = workspace();
        assertThat(service.operation("/notifications/slack", ws, "k-2", notice(ws, "first")).statusCode()).isEqualTo(200);
        HttpResponse<String> reused = service.operation("/notifications/slack", ws, "k-2", notice(ws, "second"));

        assertThat(reused.statusCode()).isEqualTo(422);
        assertThat(reused.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        assertThat(reused.body()).contains("idempotency_key_reused");
        assertThat(slackPosts()).isEqualTo(1);
    }

    @Test
    void anExpiredAnswerNoLongerBindsItsKey() {
        UUID ws = workspace();
        assertThat(service.operation("/notifications/slack", ws, "k-3", notice(ws, "old")).statusCode()).isEqualTo(200);
        service.execute("UPDATE integrations.stored_answers SET expires_at = now() - interval '1 second' "
                + "WHERE workspace_id = ?", ws);

        assertThat(service.operation("/notifications/slack", ws, "k-3", notice(ws, "new")).statusCode()).isEqualTo(200);
        assertThat(slackPosts()).isEqualTo(2);
        assertThat(service.queryOne("SELECT calls FROM integrations.stored_answers WHERE workspace_id = ?", ws))
                .isEqualTo(2);
    }

    @Test
    void aRetryableFailureLeavesTheKeyFreeForTheNextRequest() {
        UUID ws = workspace();
        service.providers().stubFor(post(urlEqualTo("/ai/chat/completions")).willReturn(aResponse().withStatus(503)));
        HttpResponse<String> failed = service.operation("/ai/sentiment", ws, "k-4", sentiment(ws));
        assertThat(failed.statusCode()).isEqualTo(503);
        assertThat(failed.headers().firstValue("Retry-After")).isPresent();
        assertThat(service.json(failed).get("retryable").getBooleanValue()).isTrue();
        assertThat(service.queryOne("SELECT state FROM integrations.stored_answers WHERE workspace_id = ?", ws))
                .isEqualTo("RETRYABLE");

        Providers.allWorking(service.providers());
        HttpResponse<String> retried = service.operation("/ai/sentiment", ws, "k-4", sentiment(ws));
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(service.json(retried).get("label").getStringValue()).isEqualTo("positive");
        assertThat(service.queryOne("SELECT state FROM integrations.stored_answers WHERE workspace_id = ?", ws))
                .isEqualTo("DONE");
    }

    @Test
    void credentialsThatDoNotDecryptLeaveTheKeyFreeAndCallNothing() {
        UUID ws = workspace();
        service.execute("UPDATE integrations.integration_credentials SET secret = secret || decode('00', 'hex') "
                + "WHERE workspace_id = ? AND provider = 'slack'", ws);
        HttpResponse<String> refused = service.operation("/notifications/slack", ws, "k-7", notice(ws, "hello"));

        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(refused.body()).contains("credentials_unavailable");
        assertThat(slackPosts()).isZero();
        assertThat(service.count("SELECT count(*) FROM integrations.stored_answers WHERE workspace_id = ?", ws)).isZero();

        service.connect(ws, "slack", "{\"token\":\"xoxb-" + ws + "\",\"channel\":\"#notices\"}");
        HttpResponse<String> sent = service.operation("/notifications/slack", ws, "k-7", notice(ws, "hello"));
        assertThat(sent.statusCode()).as(sent.body()).isEqualTo(200);
        assertThat(slackPosts()).isEqualTo(1);
    }

    @Test
    void expiredAnswersArePruned() throws Exception {
        UUID ws = workspace();
        service.operation("/notifications/slack", ws, "k-5", notice(ws, "x"));
        service.operation("/notifications/slack", ws, "k-6", notice(ws, "y"));
        service.execute("UPDATE integrations.stored_answers SET expires_at = now() - interval '1 second' "
                + "WHERE workspace_id = ? AND idempotency_key = 'k-5'", ws);

        service.bean(StoredAnswers.class).pruneExpired(100);

        assertThat(service.query("SELECT idempotency_key FROM integrations.stored_answers WHERE workspace_id = ?", ws))
                .extracting(r -> r.get("idempotency_key")).containsExactly("k-6");
    }

    private UUID workspace() {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        return ws;
    }

    private int slackPosts() {
        return service.providers().findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage"))).size();
    }

    static String notice(UUID ws, String text) {
        return "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"text\":\"" + text + "\"}";
    }

    static String sentiment(UUID ws) {
        return "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"subject\":\"Hi\",\"body\":\"Sounds good\"}";
    }
}
