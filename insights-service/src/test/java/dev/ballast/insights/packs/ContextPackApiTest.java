package dev.ballast.insights.packs;

import dev.ballast.insights.testing.InsightsServiceUnderTest;
import dev.ballast.insights.testing.StandIns;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static dev.ballast.insights.testing.InsightsServiceUnderTest.SERVICE_TOKEN;
import static org.assertj.core.api.Assertions.assertThat;

/** POST and GET /insights/context-packs. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContextPackApiTest {

    private static final String AUTH = "Bearer " + SERVICE_TOKEN;
    private TestDatabase db;
    private FaultProxy proxy;
    private StandIns standIns;
    private InsightsServiceUnderTest service;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        standIns = new StandIns();
        service = InsightsServiceUnderTest.start(db, proxy, standIns, Map.of(
                "ballast.insights.context-packs.max-leads", "5"));
    }

    @AfterAll
    void stop() {
        service.close();
        standIns.close();
        proxy.close();
        db.close();
    }

    private HttpResponse<String> create(String body, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = AUTH;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return service.post("/insights/context-packs", body, all);
    }

    @Test
    void aNewPackIsPendingWithItsLeadsAndShownToItsWorkspaceOnly() {
        UUID ws = UUID.randomUUID();
        HttpResponse<String> r = create("{\"workspaceId\":\"" + ws + "\",\"leadIds\":[7,8,7,9],\"question\":\"Budget?\"}");
        assertThat(r.statusCode()).isEqualTo(201);
        JsonNode pack = service.json(r.body());
        long id = pack.get("id").getLongValue();
        assertThat(r.headers().firstValue("Location")).hasValue("/insights/context-packs/" + id);
        assertThat(pack.get("status").getStringValue()).isEqualTo("pending");
        // A lead named twice is asked once.
        assertThat(pack.get("progress").get("total").getIntValue()).isEqualTo(3);
        assertThat(pack.get("progress").get("processed").getIntValue()).isZero();
        assertThat(pack.get("question").getStringValue()).isEqualTo("Budget?");
        assertThat(service.pack(ws, id).get("id").getLongValue()).isEqualTo(id);
        HttpResponse<String> other = service.get("/insights/context-packs/" + id, "Authorization", AUTH,
                "X-Workspace-Id", UUID.randomUUID().toString());
        assertThat(other.statusCode()).isEqualTo(404);
    }

    @Test
    void theSameIdempotencyKeyAnswersTheSamePackAndRefusesAnotherRequest() {
        UUID ws = UUID.randomUUID();
        String body = "{\"workspaceId\":\"" + ws + "\",\"leadIds\":[1,2]}";
        HttpResponse<String> first = create(body, "Idempotency-Key", "pack-1");
        HttpResponse<String> again = create(body, "Idempotency-Key", "pack-1");
        assertThat(first.statusCode()).isEqualTo(201);
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(service.json(again.body()).get("id").getLongValue())
                .isEqualTo(service.json(first.body()).get("id").getLongValue());
        HttpResponse<String> other = create("{\"workspaceId\":\"" + ws + "\",\"leadIds\":[3]}",
                "Idempotency-Key", "pack-1");
        assertThat(other.statusCode()).isEqualTo(409);
        assertThat(service.json(other.body()).get("reason").getStringValue()).isEqualTo("idempotency_key_reused");
        assertThat(service.count("SELECT count(*) FROM insights.context_packs WHERE workspace_id = ?", ws)).isEqualTo(1);
    }

    @Test
    void badRequestsAreProblemsAndStoreNothing() {
        long before = service.count("SELECT count(*) FROM insights.context_packs");
        UUID ws = UUID.randomUUID();
        for (String body : List.of("{\"leadIds\":[1]}", "{\"workspaceId\":\"" + ws + "\"}",
                "{\"workspaceId\":\"" + ws + "\",\"leadIds\":[]}",
                "{\"workspaceId\":\"" + ws + "\",\"leadIds\":[0]}",
                "{\"workspaceId\":\"" + ws + "\",\"leadIds\":[1,2,3,4,5,6]}",
                "{\"workspaceId\":\"not-a-uuid\",\"leadIds\":[1]}")) {
            HttpResponse<String> r = create(body);
            assertThat(r.statusCode()).as(body).isEqualTo(400);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t ->
                    assertThat(t).startsWith("application/problem+json"));
        }
        HttpResponse<String> filter = create("{\"workspaceId\":\"" + ws + "\",\"filter\":{\"booked\":true}}");
        assertThat(filter.statusCode()).isEqualTo(422);
        assertThat(service.get("/insights/context-packs/1", "Authorization", AUTH).statusCode()).isEqualTo(400);
        assertThat(service.get("/insights/context-packs/x", "Authorization", AUTH, "X-Workspace-Id",
                ws.toString()).statusCode()).isEqualTo(400);
        assertThat(service.count("SELECT count(*) FROM insights.context_packs")).isEqualTo(before);
    }

    @Test
    void theApiNeedsTheServiceToken() {
        HttpResponse<String> r = service.post("/insights/context-packs",
                "{\"workspaceId\":\"" + UUID.randomUUID() + "\",\"leadIds\":[1]}", "Authorization", "Bearer nope");
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(service.get("/insights/context-packs/1").statusCode()).isEqualTo(401);
    }
}
