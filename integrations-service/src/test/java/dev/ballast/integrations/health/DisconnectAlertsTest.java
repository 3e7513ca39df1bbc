package dev.ballast.integrations.health;

import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.stubbing.StubMapping;
import dev.ballast.integrations.calls.ProviderCalls;
import dev.ballast.integrations.providers.MessagingOperations;
import dev.ballast.integrations.providers.Provider;
import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.integrations.testing.Providers;
import dev.ballast.integrations.testing.SettableClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A Unipile account that disconnects: DISCONNECTED at once, calls skipped, and one Slack alert per (workspace,
 * provider) and UTC day however many failures follow and however many replicas see them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DisconnectAlertsTest {

    private final SettableClock clock = new SettableClock(Instant.parse("2026-12-04T10:00:00Z"));
    private IntegrationsServiceUnderTest service;
    private IntegrationsServiceUnderTest replica;

    @BeforeAll
    void start() {
        service = IntegrationsServiceUnderTest.start(Map.of(), b -> b.singletons(clock));
        replica = service.replica(Map.of(), b -> b.singletons(clock));
    }

    @AfterAll
    void stop() {
        replica.close();
        service.close();
    }

    @BeforeEach
    void reset() {
        service.providers().resetAll();
        Providers.allWorking(service.providers());
    }

    @Test
    void aDisconnectedAccountAlertsOnceADayHoweverOftenItFails() throws Exception {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        StubMapping disconnected = service.providers().stubFor(any(urlPathMatching("/unipile/api/v1/.*")).atPriority(1)
                .willReturn(Providers.unipileDisconnected()));

        HttpResponse<String> first = service.operation("/providers/unipile/messages", ws, "m-1", message(ws));
        assertThat(first.statusCode()).isEqualTo(409);
        assertThat(service.status(ws, "unipile")).isEqualTo("DISCONNECTED");
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts(ws) == 1);

        // calls are skipped at once; checks keep finding it disconnected, on both replicas
        for (int i = 0; i < 25; i++) {
            HttpResponse<String> skipped = service.operation("/providers/unipile/messages", ws, "m-" + (i + 2), message(ws));
            assertThat(skipped.statusCode()).isEqualTo(409);
            assertThat(skipped.body()).contains("\"outcome\":\"skipped\"");
            assertThat(checkOn(i % 2 == 0 ? service : replica, ws)).isInstanceOf(Observation.Disconnected.class);
        }
        assertThat(service.providers().findAll(postRequestedFor(urlEqualTo("/unipile/api/v1/chats/chat-1/messages"))))
                .hasSize(1);
        assertThat(alertRows(ws)).isEqualTo(1);
        settle();
        assertThat(alerts(ws)).isEqualTo(1);
        assertThat(service.providers().findAll(postRequestedFor(urlEqualTo("/slack/chat.postMessage"))).getFirst()
                .getBodyAsString()).contains("#alerts").contains("unipile").contains("errors/disconnected_account");

        clock.advance(Duration.ofDays(1));
        checkOn(replica, ws);
        checkOn(service, ws);
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts(ws) == 2);
        assertThat(alertRows(ws)).isEqualTo(2);

        // new credentials that work: the integration is used again
        service.providers().removeStub(disconnected);
        service.connect(ws, "unipile", "{\"token\":\"up-new-" + ws + "\",\"accountId\":\"acc-1\"}");
        assertThat(service.operation("/providers/unipile/messages", ws, "m-after", message(ws)).statusCode()).isEqualTo(200);
        assertThat(service.status(ws, "unipile")).isEqualTo("CONNECTED");
    }

    @Test
    void twoReplicasSeeingTheDisconnectTogetherSendOneAlert() throws Exception {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        service.providers().stubFor(any(urlPathMatching("/unipile/api/v1/accounts/.*")).atPriority(1)
                .willReturn(Providers.unipileDisconnected()));
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Observation>> seen = new ArrayList<>();
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 20; i++) {
                IntegrationsServiceUnderTest on = i % 2 == 0 ? service : replica;
                seen.add(pool.submit(() -> {
                    go.await();
                    return checkOn(on, ws);
                }));
            }
            go.countDown();
            for (Future<Observation> f : seen) {
                assertThat(f.get()).isInstanceOf(Observation.Disconnected.class);
            }
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts(ws) == 1);
        settle();
        assertThat(alerts(ws)).isEqualTo(1);
        assertThat(alertRows(ws)).isEqualTo(1);
    }

    @Test
    void theCronHealthCheckFindsADisconnectAndReportsIt() {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        service.providers().stubFor(any(urlPathMatching("/unipile/api/v1/accounts/.*")).atPriority(1)
                .willReturn(com.github.tomakehurst.wiremock.client.WireMock.okJson(
                        "{\"object\":\"Account\",\"id\":\"acc-1\",\"sources\":[{\"id\":\"acc-1_MESSAGING\",\"status\":\"CREDENTIALS\"}]}")));

        HttpResponse<String> tick = service.post("/cron/integrations/health-check", "",
                "Authorization", "Bearer " + IntegrationsServiceUnderTest.CRON_TOKEN);

        assertThat(tick.statusCode()).isEqualTo(200);
        assertThat(service.json(tick).get("disconnected").getIntValue()).isGreaterThanOrEqualTo(1);
        assertThat(service.status(ws, "unipile")).isEqualTo("DISCONNECTED");
        assertThat(service.status(ws, "slack")).isEqualTo("CONNECTED");
        assertThat(service.status(ws, "emailbison")).isEqualTo("CONNECTED");
        assertThat(service.status(ws, "ghl")).isEqualTo("CONNECTED");
        await().atMost(Duration.ofSeconds(10)).until(() -> alerts(ws) == 1);
    }

    private static Observation checkOn(IntegrationsServiceUnderTest on, UUID ws) throws Exception {
        MessagingOperations messaging = on.bean(MessagingOperations.class);
        return on.bean(ProviderCalls.class).check(ws, Provider.UNIPILE, a -> messaging.checkUnipile(a.accountId()));
    }

    /** Alerts Slack received about this workspace. */
    private int alerts(UUID ws) {
        return service.providers().findAll(new RequestPatternBuilder(com.github.tomakehurst.wiremock.http.RequestMethod.POST,
                urlEqualTo("/slack/chat.postMessage")).withRequestBody(containing(ws.toString()))).size();
    }

    private long alertRows(UUID ws) {
        return service.count("SELECT count(*) FROM integrations.alert_dedupe WHERE workspace_id = ?", ws);
    }

    /** Long enough for an alert that was (wrongly) sent off-thread to have reached WireMock. */
    private static void settle() {
        await().pollDelay(Duration.ofMillis(500)).atMost(Duration.ofSeconds(1)).until(() -> true);
    }

    private static String message(UUID ws) {
        return "{\"workspaceId\":\"" + ws + "\",\"accountId\":\"acc-1\",\"chatId\":\"chat-1\",\"text\":\"Hi\",\"inmail\":false}";
    }

}
