package dev.ballast.integrations.calls;

import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.http.RequestMethod;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.integrations.testing.Providers;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retry matrix per provider, against WireMock faults: how many requests reach the provider, what the caller is
 * answered, and the health state that results. Side-effect-free calls (AI, EmailBison reads) are tried three times
 * after a timeout, a reset or a 5xx; sends exactly once; a 429 is retried for both; a 401 never.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ProviderFailuresTest {

    /** One operation: its path here, the provider request it makes, whether it is side-effect free, its body. */
    record Op(String name, String path, String providerPath, boolean sideEffectFree, Function<UUID, String> body) {
        @Override
        public String toString() {
            return name;
        }
    }

    enum FaultKind { TIMEOUT, RESET, HTTP_500, HTTP_429, HTTP_401 }

    static final List<Op> OPS = List.of(
            new Op("ai-sentiment", "/ai/sentiment", "/ai/chat/completions", true,
                    ws -> "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"body\":\"Interested!\"}"),
            new Op("emailbison-enrichment", "/providers/emailbison/enrichment", "/emailbison/api/leads/jane(@|%40)lead.example", true,
                    ws -> "{\"workspaceId\":\"" + ws + "\",\"leadId\":5,\"email\":\"jane@lead.example\"}"),
            new Op("emailbison-reply", "/providers/emailbison/replies", "/emailbison/api/replies/r-1/reply", false,
                    ws -> "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"replyId\":\"r-1\",\"toEmails\":[\"jane@lead.example\"],\"body\":\"Hi\"}"),
            new Op("ghl-sms", "/providers/ghl/sms", "/ghl/conversations/messages", false,
                    ws -> "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"contactId\":\"c-1\",\"message\":\"Hi\"}"),
            new Op("slack-notice", "/notifications/slack", "/slack/chat.postMessage", false,
                    ws -> "{\"workspaceId\":\"" + ws + "\",\"messageId\":1,\"text\":\"New reply\"}"),
            new Op("unipile-message", "/providers/unipile/messages", "/unipile/api/v1/chats/chat-1/messages", false,
                    ws -> "{\"workspaceId\":\"" + ws + "\",\"accountId\":\"acc-1\",\"chatId\":\"chat-1\",\"text\":\"Hi\",\"inmail\":false}"));

    private IntegrationsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = IntegrationsServiceUnderTest.start(Map.of(
                "ballast.integrations.health.degraded-after", "1",
                "ballast.integrations.health.alerts-enabled", "false"));
        Providers.allWorking(service.providers());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    static List<Object[]> cases() {
        List<Object[]> cases = new ArrayList<>();
        for (Op op : OPS) {
            for (FaultKind f : FaultKind.values()) {
                cases.add(new Object[]{op, f});
            }
        }
        return cases;
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("cases")
    void eachFaultCostsTheRequestsTheMatrixAllowsAndSetsHealth(Op op, FaultKind fault) {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        var stub = service.providers().stubFor(any(urlPathMatching(op.providerPath())).atPriority(1)
                .willReturn(response(op, fault)));
        try {
            HttpResponse<String> answer = service.operation(op.path(), ws, "key-" + fault, op.body().apply(ws));
            JsonNode problem = service.json(answer);
            int requests = service.providers().findAll(new RequestPatternBuilder(RequestMethod.ANY,
                    urlPathMatching(op.providerPath())).withHeader("Authorization", com.github.tomakehurst.wiremock.client.WireMock.containing(ws.toString().substring(0, 8)))).size()
                    + service.providers().findAll(new RequestPatternBuilder(RequestMethod.ANY,
                    urlPathMatching(op.providerPath())).withHeader("X-API-KEY", com.github.tomakehurst.wiremock.client.WireMock.containing(ws.toString()))).size();

            boolean retried = switch (fault) {
                case TIMEOUT, RESET, HTTP_500 -> op.sideEffectFree();
                case HTTP_429 -> true;
                case HTTP_401 -> false;
            };
            assertThat(requests).as("provider requests").isEqualTo(retried ? 3 : 1);
            assertThat(problem.get("outcome").getStringValue()).isEqualTo("failed");
            switch (fault) {
                case HTTP_401 -> {
                    assertThat(answer.statusCode()).isEqualTo(409);
                    assertThat(problem.get("reason").getStringValue()).isEqualTo("disconnected");
                    assertThat(problem.get("retryable").getBooleanValue()).isFalse();
                    assertThat(service.status(ws, provider(op))).isEqualTo("DISCONNECTED");
                }
                case HTTP_429 -> {
                    assertThat(answer.statusCode()).isEqualTo(503);
                    assertThat(answer.headers().firstValue("Retry-After")).isPresent();
                    assertThat(problem.get("abortClass").getStringValue()).isEqualTo("RATE_LIMITED");
                    assertThat(problem.get("retryable").getBooleanValue()).isTrue();
                    assertThat(service.status(ws, provider(op))).isEqualTo("DEGRADED");
                }
                default -> {
                    String abortClass = switch (fault) {
                        case TIMEOUT -> "TIMEOUT";
                        case RESET -> "CONNECTION_RESET";
                        default -> "PROVIDER_ERROR";
                    };
                    assertThat(problem.get("abortClass").getStringValue()).isEqualTo(abortClass);
                    if (op.sideEffectFree()) {
                        assertThat(answer.statusCode()).isEqualTo(503);
                        assertThat(problem.get("retryable").getBooleanValue()).isTrue();
                    } else {
                        // the send may have happened: final, and never sent again under this key
                        assertThat(answer.statusCode()).isEqualTo(409);
                        assertThat(problem.get("reason").getStringValue()).isEqualTo("outcome_unknown");
                        assertThat(problem.get("retryable").getBooleanValue()).isFalse();
                        HttpResponse<String> again = service.operation(op.path(), ws, "key-" + fault, op.body().apply(ws));
                        assertThat(again.statusCode()).isEqualTo(409);
                        assertThat(again.body()).isEqualTo(answer.body());
                    }
                    assertThat(service.status(ws, provider(op))).isEqualTo("DEGRADED");
                }
            }
        } finally {
            service.providers().removeStub(stub);
        }
    }

    @Test
    void slackAnsweringInvalidAuthWithOkFalseIsADisconnect() {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        var stub = service.providers().stubFor(any(urlPathEqualTo("/slack/chat.postMessage")).atPriority(1)
                .willReturn(Providers.slackError("invalid_auth")));
        try {
            HttpResponse<String> answer = service.operation("/notifications/slack", ws, "k", OPS.get(4).body().apply(ws));
            assertThat(answer.statusCode()).isEqualTo(409);
            assertThat(service.status(ws, "slack")).isEqualTo("DISCONNECTED");
            assertThat(service.queryOne("SELECT last_error_code FROM integrations.integration_health "
                    + "WHERE workspace_id = ?", ws)).isEqualTo("invalid_auth");
        } finally {
            service.providers().removeStub(stub);
        }
    }

    @Test
    void unipileDisconnectedAccountIsRecordedWithItsErrorType() {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        var stub = service.providers().stubFor(any(urlPathEqualTo("/unipile/api/v1/chats/chat-1/messages"))
                .atPriority(1).willReturn(Providers.unipileDisconnected()));
        try {
            assertThat(service.operation("/providers/unipile/messages", ws, "k", OPS.get(5).body().apply(ws)).statusCode())
                    .isEqualTo(409);
            assertThat(service.queryOne("SELECT last_error_code FROM integrations.integration_health "
                    + "WHERE workspace_id = ?", ws)).isEqualTo("errors/disconnected_account");
            // the next call is skipped at once, with no provider call
            HttpResponse<String> skipped = service.operation("/providers/unipile/messages", ws, "k2", OPS.get(5).body().apply(ws));
            assertThat(skipped.statusCode()).isEqualTo(409);
            assertThat(service.json(skipped).get("outcome").getStringValue()).isEqualTo("skipped");
            assertThat(service.json(skipped).get("reason").getStringValue()).isEqualTo("disconnected");
            assertThat(service.providers().findAll(new RequestPatternBuilder(RequestMethod.POST,
                    urlPathEqualTo("/unipile/api/v1/chats/chat-1/messages"))
                    .withHeader("X-API-KEY", com.github.tomakehurst.wiremock.client.WireMock.containing(ws.toString())))).hasSize(1);
        } finally {
            service.providers().removeStub(stub);
        }
    }

    private static String provider(Op op) {
        return op.providerPath().substring(1, op.providerPath().indexOf('/', 1));
    }

    private static ResponseDefinitionBuilder response(Op op, FaultKind fault) {
        return switch (fault) {
            // past the 1 s per-try timeout
            case TIMEOUT -> aResponse().withStatus(200).withFixedDelay(1500).withBody("{}");
            case RESET -> aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER);
            case HTTP_500 -> aResponse().withStatus(500).withBody("{\"error\":\"internal\"}");
            case HTTP_429 -> aResponse().withStatus(429).withHeader("Retry-After", "0").withBody("{}");
            case HTTP_401 -> op.providerPath().startsWith("/unipile") ? Providers.unipileDisconnected()
                    : aResponse().withStatus(401).withHeader("Content-Type", "application/json")
                    .withBody("{\"message\":\"Unauthenticated.\"}");
        };
    }
}
