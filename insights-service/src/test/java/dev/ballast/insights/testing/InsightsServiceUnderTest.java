package dev.ballast.insights.testing;

import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.ServiceUnderTest;
import dev.ballast.testsupport.TestDatabase;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.json.tree.JsonNode;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * insights-service started for real on a test database reached through a fault proxy, calling WireMock stand-ins for
 * webhook-service and integrations-service; driven over HTTP, inspected with SQL and its own metrics.
 */
public final class InsightsServiceUnderTest extends ServiceUnderTest {

    public static final String CRON_TOKEN = "test-cron-token";
    public static final String SERVICE_TOKEN = "test-service-token";

    private InsightsServiceUnderTest(Setup setup) {
        super(setup);
    }

    /**
     * On the test's own database and proxy (neither closed with the service). Test defaults: quick client retries,
     * no client breakers (a test's failures must not trip one for the next).
     */
    public static InsightsServiceUnderTest start(TestDatabase db, FaultProxy proxy, StandIns standIns,
                                                 Map<String, Object> properties) {
        Map<String, Object> props = new HashMap<>();
        props.put("micronaut.http.services.webhook.url", standIns.webhookUrl());
        props.put("micronaut.http.services.integrations.url", standIns.integrationsUrl());
        for (String client : List.of("webhook", "integrations")) {
            props.put("ballast.clients." + client + ".attempts", "2");
            props.put("ballast.clients." + client + ".base", "10ms");
            props.put("ballast.clients." + client + ".cap", "20ms");
            props.put("ballast.clients." + client + ".breaker.enabled", "false");
        }
        props.put("ballast.insights.cron.token", CRON_TOKEN);
        props.put("ballast.insights.service-token", SERVICE_TOKEN);
        props.put("ballast.insights.cron.db-retry-base", "200ms");
        return new InsightsServiceUnderTest(setup().database(db, false).proxy(proxy)
                .requestTimeout(Duration.ofSeconds(90)).properties(props).properties(properties));
    }

    // ---- HTTP -------------------------------------------------------------------------------------------

    public HttpResponse<String> tick(String query) {
        return post("/cron/insights/context-packs" + query, "", "Authorization", "Bearer " + CRON_TOKEN);
    }

    public HttpResponse<String> bookedTick(String query) {
        return post("/cron/insights/booked-summaries" + query, "", "Authorization", "Bearer " + CRON_TOKEN);
    }

    public JsonNode bookedTickOk(String query) {
        return ok(bookedTick(query));
    }

    public JsonNode tickOk(String query) {
        return ok(tick(query));
    }

    private JsonNode ok(HttpResponse<String> r) {
        if (r.statusCode() != 200) {
            throw new AssertionError("tick answered " + r.statusCode() + ": " + r.body());
        }
        return json(r.body());
    }

    /** Creates a pack of {@code leads} and answers its id. */
    public long createPack(UUID workspace, List<Long> leads) {
        HttpResponse<String> r = post("/insights/context-packs", jsonString(Map.of("workspaceId", workspace.toString(),
                "leadIds", leads, "question", "Who wants a meeting?")), "Authorization", "Bearer " + SERVICE_TOKEN);
        if (r.statusCode() != 201) {
            throw new AssertionError("create answered " + r.statusCode() + ": " + r.body());
        }
        return json(r.body()).get("id").getLongValue();
    }

    public JsonNode pack(UUID workspace, long id) {
        HttpResponse<String> r = get("/insights/context-packs/" + id, "Authorization", "Bearer " + SERVICE_TOKEN,
                "X-Workspace-Id", workspace.toString());
        if (r.statusCode() != 200) {
            throw new AssertionError("view answered " + r.statusCode() + ": " + r.body());
        }
        return json(r.body());
    }

    // ---- pool metrics -----------------------------------------------------------------------------------

    /** Hikari's active connections, as its Micrometer gauge reports them. */
    public double activeConnections() {
        Gauge gauge = bean(MeterRegistry.class).find("hikaricp.connections.active").gauge();
        if (gauge == null) {
            throw new IllegalStateException("no hikaricp.connections.active gauge");
        }
        return gauge.value();
    }

    /** Times a caller waited in vain for a pooled connection. */
    public double acquisitionTimeouts() {
        Counter c = bean(MeterRegistry.class).find("hikaricp.connections.timeout").counter();
        return c == null ? 0 : c.count();
    }

    /** Units of work DbRetry attempted, whatever their outcome: every query the service runs goes through it. */
    public double dbAttempts() {
        return bean(MeterRegistry.class).find("ballast.db.retry.attempts").counters().stream()
                .mapToDouble(Counter::count).sum();
    }
}
