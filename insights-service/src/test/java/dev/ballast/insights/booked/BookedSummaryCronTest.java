package dev.ballast.insights.booked;

import dev.ballast.insights.testing.InsightsServiceUnderTest;
import dev.ballast.insights.testing.StandIns;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /cron/insights/booked-summaries against real PostgreSQL and WireMock stand-ins. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BookedSummaryCronTest {

    private TestDatabase db;
    private FaultProxy proxy;
    private StandIns standIns;
    private InsightsServiceUnderTest service;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        proxy = FaultProxy.in(db);
        standIns = new StandIns();
        service = InsightsServiceUnderTest.start(db, proxy, standIns, Map.of());
    }

    @AfterAll
    void stop() {
        service.close();
        standIns.close();
        proxy.close();
        db.close();
    }

    @BeforeEach
    void clean() {
        proxy.restore();
        standIns.reset(0);
        db.execute("TRUNCATE insights.booked_summaries");
        db.execute("UPDATE insights.booked_summary_cursor SET after = NULL");
    }

    @Test
    void aBookedLeadIsSummarizedOnceUntilItsConversationMovesOn() {
        UUID ws = UUID.randomUUID();
        standIns.bookedLeads(ws, Map.of(5L, "2026-02-01T10:00:00Z"));
        JsonNode first = service.bookedTickOk("");
        assertThat(first.get("leadsProcessed").getIntValue()).isEqualTo(1);
        assertThat(standIns.insightCalls()).hasSize(1);
        assertThat(standIns.insightCalls().getFirst().getBodyAsString()).contains("A meeting with this lead is booked");
        assertThat(service.count("SELECT count(*) FROM insights.booked_summaries WHERE lead_id = 5 AND summary IS NOT NULL"
                + " AND summarized_through = '2026-02-01T10:00:00Z'")).isEqualTo(1);

        assertThat(service.bookedTickOk("").get("leadsProcessed").getIntValue()).isZero();
        assertThat(standIns.insightCalls()).hasSize(1);

        // A new message moves the lead's activity on: its summary is redone.
        standIns.bookedLeads(ws, Map.of(5L, "2026-02-03T09:00:00Z"));
        assertThat(service.bookedTickOk("").get("leadsProcessed").getIntValue()).isEqualTo(1);
        assertThat(standIns.insightCalls()).hasSize(2);
        assertThat(service.count("SELECT count(*) FROM insights.booked_summaries")).isEqualTo(1);
    }

    @Test
    void candidatesAreReadInOneQueryAndAtMostTheLimitIsSummarized() {
        UUID ws = UUID.randomUUID();
        Map<Long, String> leads = new LinkedHashMap<>();
        for (long lead = 1; lead <= 12; lead++) {
            leads.put(lead, "2026-02-01T10:00:" + String.format("%02d", lead) + "Z");
        }
        standIns.bookedLeads(ws, leads);
        JsonNode summary = service.bookedTickOk("");
        assertThat(summary.get("packLimit").getIntValue()).isEqualTo(5);
        assertThat(summary.get("maxThreadsToProcess").getIntValue()).isEqualTo(20);
        assertThat(summary.get("concurrency").getIntValue()).isEqualTo(2);
        assertThat(summary.get("leadsProcessed").getIntValue()).isEqualTo(5);
        assertThat(standIns.bookedLeadReads()).hasSize(1).allSatisfy(r ->
                assertThat(r.queryParameter("limit").firstValue()).isEqualTo("20"));
        // The page still has leads to summarize: the next ticks read it again and take the next ones.
        service.bookedTickOk("");
        service.bookedTickOk("");
        assertThat(service.count("SELECT count(*) FROM insights.booked_summaries WHERE summary IS NOT NULL"))
                .isEqualTo(12);
        assertThat(standIns.insightCalls()).hasSize(12);
    }

    @Test
    void twoTicksAtOnceSummarizeABookedLeadOnce() {
        standIns.reset(500);
        UUID ws = UUID.randomUUID();
        standIns.bookedLeads(ws, Map.of(7L, "2026-02-01T10:00:00Z"));
        CountDownLatch go = new CountDownLatch(1);
        CompletableFuture<JsonNode> a = CompletableFuture.supplyAsync(() -> tickAfter(go));
        CompletableFuture<JsonNode> b = CompletableFuture.supplyAsync(() -> tickAfter(go));
        go.countDown();
        int written = a.join().get("leadsProcessed").getIntValue() + b.join().get("leadsProcessed").getIntValue();
        assertThat(written).isEqualTo(1);
        assertThat(standIns.insightCalls()).hasSize(1);
        assertThat(service.count("SELECT count(*) FROM insights.booked_summaries WHERE summary IS NOT NULL")).isEqualTo(1);
    }

    @Test
    void aDatabaseCutBeforeTheTickIs503DbUnreachableWithNoCall() {
        standIns.bookedLeads(UUID.randomUUID(), Map.of(9L, "2026-02-01T10:00:00Z"));
        proxy.cut();
        HttpResponse<String> r = service.bookedTick("");
        proxy.restore();
        assertThat(r.statusCode()).isEqualTo(503);
        JsonNode problem = service.json(r.body());
        assertThat(problem.get("db_unreachable").getBooleanValue()).isTrue();
        assertThat(problem.get("limit").getIntValue()).isEqualTo(5);
        assertThat(problem.get("retriesAttempted").getIntValue()).isEqualTo(2);
        assertThat(standIns.bookedLeadReads()).isEmpty();
        assertThat(standIns.llmCalls()).isZero();
    }

    @Test
    void aLeadTheLlmRefusesIsRecordedAndNotAskedAgainUntilItsActivityMovesOn() {
        UUID ws = UUID.randomUUID();
        standIns.bookedLeads(ws, Map.of(3L, "2026-02-01T10:00:00Z"));
        standIns.failInsightFor(3, 422);
        JsonNode first = service.bookedTickOk("");
        assertThat(first.get("leadsFailed").getIntValue()).isEqualTo(1);
        service.bookedTickOk("");
        assertThat(standIns.insightCalls()).hasSize(1);
        assertThat(service.count("SELECT count(*) FROM insights.booked_summaries WHERE last_error LIKE 'http_422%'"))
                .isEqualTo(1);
    }

    private JsonNode tickAfter(CountDownLatch go) {
        try {
            go.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return service.bookedTickOk("");
    }
}
