package dev.ballast.integrations.calls;

import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.integrations.testing.Providers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.containing;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** Breakers are per (workspace, provider): one workspace's outage, or one provider's, stops nothing else. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BreakerIsolationTest {

    private IntegrationsServiceUnderTest service;

    @BeforeAll
    void start() {
        Map<String, Object> props = new HashMap<>();
        for (String p : IntegrationsServiceUnderTest.PROVIDERS) {
            props.put("ballast.clients." + p + ".attempts", "1");
            props.put("ballast.clients." + p + ".breaker.minimum-number-of-calls", "4");
            props.put("ballast.clients." + p + ".breaker.sliding-window-size", "4");
            props.put("ballast.clients." + p + ".breaker.wait-duration-in-open-state", "60s");
        }
        service = IntegrationsServiceUnderTest.start(props);
        Providers.allWorking(service.providers());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void anAiOutageOfOneWorkspaceOpensThatWorkspacesAiBreakerOnly() {
        UUID a = UUID.randomUUID();
        UUID b = UUID.randomUUID();
        service.connectAll(a);
        service.connectAll(b);
        service.providers().stubFor(any(urlEqualTo("/ai/chat/completions")).atPriority(1)
                .withHeader("Authorization", containing(a.toString())).willReturn(aResponse().withStatus(500)));

        for (int i = 0; i < 4; i++) {
            assertThat(service.operation("/ai/sentiment", a, "s-" + i, sentiment(a)).statusCode()).isEqualTo(503);
        }
        HttpResponse<String> skipped = service.operation("/ai/sentiment", a, "s-open", sentiment(a));
        assertThat(skipped.statusCode()).isEqualTo(503);
        assertThat(service.json(skipped).get("outcome").getStringValue()).isEqualTo("skipped");
        assertThat(service.json(skipped).get("reason").getStringValue()).isEqualTo("breaker_open");
        assertThat(skipped.headers().firstValue("Retry-After")).hasValue("60");
        assertThat(aiRequests(a)).isEqualTo(4);

        assertThat(service.operation("/ai/sentiment", b, "s-b", sentiment(b)).statusCode()).isEqualTo(200);
        assertThat(aiRequests(b)).isEqualTo(1);
        assertThat(service.operation("/notifications/slack", a, "n-a", notice(a)).statusCode()).isEqualTo(200);
    }

    @Test
    void aSlackOutageLeavesAiCallsAlone() {
        UUID c = UUID.randomUUID();
        service.connectAll(c);
        service.providers().stubFor(any(urlEqualTo("/slack/chat.postMessage")).atPriority(1)
                .withHeader("Authorization", containing(c.toString())).willReturn(aResponse().withStatus(503)));

        for (int i = 0; i < 5; i++) {
            assertThat(service.operation("/notifications/slack", c, "n-" + i, notice(c)).statusCode()).isEqualTo(503);
        }
        assertThat(service.providers().findAll(new RequestPatternBuilder(RequestMethod.POST,
                urlEqualTo("/slack/chat.postMessage")).withHeader("Authorization", containing(c.toString())))).hasSize(4);

        HttpResponse<String> ai = service.operation("/ai/sentiment", c, "s-c", sentiment(c));
        assertThat(ai.statusCode()).isEqualTo(200);
        assertThat(aiRequests(c)).isEqualTo(1);
    }

    private int aiRequests(UUID ws) {
        return service.providers().findAll(new RequestPatternBuilder(RequestMethod.POST, urlEqualTo("/ai/chat/completions"))
                .withHeader("Authorization", containing(ws.toString()))).size();
    }

    private static String sentiment(UUID ws) {
        return "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"body\":\"Interested!\"}";
    }

    private static String notice(UUID ws) {
        return "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"text\":\"New reply\"}";
    }
}
