package dev.ballast.integrations.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.ServiceUnderTest;
import io.micronaut.context.ApplicationContextBuilder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * integrations-service started for real on a fresh PostgreSQL database, with every provider pointed at one WireMock
 * server (each under its own path prefix: {@code /ai}, {@code /slack}, ...). Driven over HTTP, inspected with SQL.
 * Retries are fast (10 ms backoff), per-try timeouts short (1 s), the retry budget unlimited and breakers hard to
 * open unless a test says otherwise.
 */
public final class IntegrationsServiceUnderTest extends ServiceUnderTest {

    public static final String SERVICE_TOKEN = "test-service-token-7f3a";
    public static final String ADMIN_TOKEN = "test-admin-token-91be";
    public static final String CRON_TOKEN = "test-cron-token-c044";
    /** base64 of 32 bytes. */
    public static final String SECRET_KEY = "q83vEjRWeJq83vEjRWeJq83vEjRWeJq83vEjRWeJq80=";
    public static final List<String> PROVIDERS = List.of("ai", "emailbison", "ghl", "slack", "unipile");

    private final WireMockServer providers;
    private final boolean ownsProviders;

    private IntegrationsServiceUnderTest(Setup setup, WireMockServer providers, boolean ownsProviders) {
        super(setup);
        this.providers = providers;
        this.ownsProviders = ownsProviders;
    }

    public static IntegrationsServiceUnderTest start(Map<String, Object> properties) {
        return start(properties, b -> { });
    }

    public static IntegrationsServiceUnderTest start(Map<String, Object> properties,
                                                     Consumer<ApplicationContextBuilder> customize) {
        return startWarm(false, properties, customize);
    }

    /** Started with its database behind a {@link FaultProxy} the test can cut, closed with the service. */
    public static IntegrationsServiceUnderTest startBehindProxy(Map<String, Object> properties) {
        return startWarm(true, properties, b -> { });
    }

    /** A second replica on this one's database (directly, not through a proxy) and providers; not warmed up. */
    public IntegrationsServiceUnderTest replica(Map<String, Object> properties, Consumer<ApplicationContextBuilder> customize) {
        return new IntegrationsServiceUnderTest(testDefaults(setup().database(database(), false), providers)
                .properties(properties).customize(customize), providers, false);
    }

    /** On a fresh database and a WireMock server of its own, both closed with the service; warmed up. */
    private static IntegrationsServiceUnderTest startWarm(boolean behindProxy, Map<String, Object> properties,
                                                         Consumer<ApplicationContextBuilder> customize) {
        WireMockServer wireMock = new WireMockServer(options().dynamicPort().asynchronousResponseEnabled(true)
                .containerThreads(100));
        wireMock.start();
        IntegrationsServiceUnderTest service = new IntegrationsServiceUnderTest(
                testDefaults(setup().freshDatabase().throughFaultProxy(behindProxy), wireMock)
                        .properties(properties).customize(customize), wireMock, true);
        service.warmUp();
        return service;
    }

    private static Setup testDefaults(Setup setup, WireMockServer wireMock) {
        Map<String, Object> props = new HashMap<>();
        props.put("ballast.integrations.service-token", SERVICE_TOKEN);
        props.put("ballast.integrations.admin-token", ADMIN_TOKEN);
        props.put("ballast.integrations.cron-token", CRON_TOKEN);
        props.put("ballast.integrations.credentials.secret-key", SECRET_KEY);
        props.put("ballast.integrations.answers.prune-initial-delay", "1h");
        for (String p : PROVIDERS) {
            props.put("micronaut.http.services." + p + ".url", wireMock.baseUrl() + "/" + p);
            props.put("micronaut.http.services." + p + ".read-timeout", "1s");
            props.put("ballast.clients." + p + ".base", "10ms");
            props.put("ballast.clients." + p + ".cap", "50ms");
            props.put("ballast.clients." + p + ".deadline", "10s");
            props.put("ballast.clients." + p + ".budget.min-retries", "100000");
            props.put("ballast.clients." + p + ".breaker.minimum-number-of-calls", "1000");
            props.put("ballast.clients." + p + ".breaker.sliding-window-size", "1000");
        }
        return setup.requestTimeout(Duration.ofSeconds(30)).properties(props);
    }

    /**
     * One call through every provider client: the first call of a client loads its classes and opens its pool, which
     * is no fair test of a 1 s per-try timeout. WireMock is reset afterwards.
     */
    private void warmUp() {
        Providers.allWorking(providers);
        UUID ws = UUID.randomUUID();
        connectAll(ws);
        String w = "\"workspaceId\":\"" + ws + "\"";
        operation("/ai/sentiment", ws, "warm-up", "{" + w + ",\"messageId\":1,\"body\":\"x\"}");
        operation("/providers/emailbison/enrichment", ws, "warm-up", "{" + w + ",\"leadId\":1,\"email\":\"a@b.example\"}");
        operation("/providers/ghl/sms", ws, "warm-up", "{" + w + ",\"messageId\":1,\"contactId\":\"c\",\"message\":\"x\"}");
        operation("/notifications/slack", ws, "warm-up", "{" + w + ",\"messageId\":1,\"text\":\"x\"}");
        operation("/providers/unipile/messages", ws, "warm-up",
                "{" + w + ",\"accountId\":\"a\",\"chatId\":\"c\",\"text\":\"x\",\"inmail\":false}");
        providers.resetAll();
    }

    public WireMockServer providers() {
        return providers;
    }

    // ---- the service's own APIs -----------------------------------------------------------------------------

    /** Stores credentials for (workspace, provider) through the admin API; fails the test unless stored. */
    public void connect(UUID workspace, String provider, String credentialsJson) {
        HttpResponse<String> r = put("/admin/workspaces/" + workspace + "/integrations/" + provider, credentialsJson,
                "Authorization", "Bearer " + ADMIN_TOKEN);
        if (r.statusCode() != 200) {
            throw new IllegalStateException("credentials not stored: " + r.statusCode() + " " + r.body());
        }
    }

    /** Connects every provider for {@code workspace} with a token of its own, Slack to #notices and #alerts. */
    public void connectAll(UUID workspace) {
        connect(workspace, "ai", "{\"token\":\"sk-ai-" + workspace + "\"}");
        connect(workspace, "emailbison", "{\"token\":\"eb-" + workspace + "\"}");
        connect(workspace, "ghl", "{\"token\":\"ghl-" + workspace + "\",\"accountId\":\"loc-1\"}");
        connect(workspace, "slack", "{\"token\":\"xoxb-" + workspace + "\",\"channel\":\"#notices\",\"alertChannel\":\"#alerts\"}");
        connect(workspace, "unipile", "{\"token\":\"up-" + workspace + "\",\"accountId\":\"acc-1\"}");
    }

    /** A provider operation as jobs-service sends it. */
    public HttpResponse<String> operation(String path, UUID workspace, String key, String body) {
        return post(path, body, "Authorization", "Bearer " + SERVICE_TOKEN, "X-Workspace-Id", workspace.toString(),
                "Idempotency-Key", key);
    }

    // ---- database -------------------------------------------------------------------------------------------

    /** The health status of (workspace, provider), or null without a record. */
    public String status(UUID workspace, String provider) {
        List<Map<String, Object>> rows = query("SELECT status FROM integrations.integration_health "
                + "WHERE workspace_id = ? AND provider = ?", workspace, provider);
        return rows.isEmpty() ? null : (String) rows.getFirst().get("status");
    }

    /** The service, its proxy and database as {@link ServiceUnderTest} closes them; then its own WireMock server. */
    @Override
    public void close() {
        super.close();
        if (ownsProviders) {
            providers.stop();
        }
    }
}
