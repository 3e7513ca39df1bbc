package dev.ballast.insights.packs;

import dev.ballast.insights.testing.InsightsServiceUnderTest;
import dev.ballast.insights.testing.StandIns;
import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.LogCapture;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** POST /cron/insights/context-packs against real PostgreSQL behind a fault proxy and WireMock stand-ins. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContextPackCronTest {

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
                "ballast.insights.context-packs.lease", "14s",
                "ballast.insights.cron.budget", "12s"));
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
        db.execute("TRUNCATE insights.context_packs CASCADE");
    }

    private static List<Long> leads(long from, int n) {
        return LongStream.range(from, from + n).boxed().toList();
    }

    @Test
    void aPackIsWorkedInStepsOfTheBatchFromItsCursorAndCompletesWithItsSynthesis() {
        UUID ws = UUID.randomUUID();
        long id = service.createPack(ws, leads(1, 20));

        JsonNode first = service.tickOk("");
        assertThat(first.get("leadsProcessed").getIntValue()).isEqualTo(15);
        assertThat(first.get("stoppedBy").getStringValue()).isEqualTo("done");
        JsonNode after = service.pack(ws, id);
        assertThat(after.get("status").getStringValue()).isEqualTo("running");
        assertThat(after.get("progress").get("processed").getIntValue()).isEqualTo(15);
        assertThat(after.get("progress").get("cursor").getIntValue()).isEqualTo(15);

        JsonNode second = service.tickOk("");
        assertThat(second.get("leadsProcessed").getIntValue()).isEqualTo(5);
        JsonNode done = service.pack(ws, id);
        assertThat(done.get("status").getStringValue()).isEqualTo("complete");
        assertThat(done.get("synthesis").getStringValue()).isEqualTo("most leads are interested");
        assertThat(done.get("insights").size()).isEqualTo(20);
        assertThat(done.get("progress").get("processed").getIntValue()).isEqualTo(20);
        // Every lead asked once, with the pack's workspace and a key of its own; one synthesis.
        assertThat(standIns.insightCallsByKey()).hasSize(20).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertThat(standIns.insightCalls()).allSatisfy(r ->
                assertThat(r.getHeader("X-Workspace-Id")).isEqualTo(ws.toString()));
        assertThat(standIns.synthesisCalls()).hasSize(1);
        assertThat(service.tickOk("").get("stoppedBy").getStringValue()).isEqualTo("idle");
    }

    @Test
    void theTickHoldsNoDatabaseConnectionWhileItsLlmCallsRun() {
        standIns.reset(2000);
        UUID ws = UUID.randomUUID();
        service.createPack(ws, leads(1, 8));
        CompletableFuture<JsonNode> tick = CompletableFuture.supplyAsync(() -> service.tickOk(""));
        // While the eight 2 s calls are in flight, sample the pool's gauge many times.
        await().atMost(Duration.ofSeconds(5)).until(() -> standIns.insightCalls().size() == 8);
        List<Double> samples = new ArrayList<>();
        long until = System.nanoTime() + Duration.ofMillis(1200).toNanos();
        while (System.nanoTime() < until) {
            samples.add(service.activeConnections());
            sleepQuietly(20);
        }
        assertThat(tick).isNotDone();
        assertThat(samples).hasSizeGreaterThan(20).allSatisfy(active -> assertThat(active).isZero());
        assertThat(tick.join().get("leadsProcessed").getIntValue()).isEqualTo(8);
    }

    @Test
    void aWrongOrMissingCronTokenIs401BeforeAnyQuery() {
        service.createPack(UUID.randomUUID(), leads(1, 3));
        double queriesBefore = service.dbAttempts();
        HttpResponse<String> none = service.post("/cron/insights/context-packs", "");
        HttpResponse<String> wrong = service.post("/cron/insights/context-packs", "", "Authorization", "Bearer nope");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("Content-Type")).hasValueSatisfying(t ->
                assertThat(t).startsWith("application/problem+json"));
        assertThat(service.dbAttempts()).isEqualTo(queriesBefore);
        assertThat(standIns.llmCalls()).isZero();
        assertThat(service.count("SELECT count(*) FROM insights.context_packs WHERE lease_owner IS NOT NULL")).isZero();
    }

    @Test
    void aDatabaseCutBeforeTheTickIs503DbUnreachableWithTheKnobsAndNoLlmCall() {
        service.createPack(UUID.randomUUID(), leads(1, 3));
        proxy.cut();
        HttpResponse<String> r = service.tick("");
        proxy.restore();
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t ->
                assertThat(t).startsWith("application/problem+json"));
        assertThat(r.headers().firstValue("Retry-After")).isPresent();
        JsonNode problem = service.json(r.body());
        assertThat(problem.get("db_unreachable").getBooleanValue()).isTrue();
        assertThat(problem.get("packLimit").getIntValue()).isEqualTo(3);
        assertThat(problem.get("batch").getIntValue()).isEqualTo(15);
        assertThat(problem.get("concurrency").getIntValue()).isEqualTo(8);
        // The cron policy: two retries of the first query before giving up.
        assertThat(problem.get("retriesAttempted").getIntValue()).isEqualTo(2);
        assertThat(problem.get("timestamp").getStringValue()).isNotBlank();
        assertThat(standIns.llmCalls()).isZero();
    }

    @Test
    void aCutMidTickExitsEarlyAfterThreeConnectionErrorsLeavesNothingHalfWrittenAndTheNextTicksComplete() {
        standIns.reset(700);
        UUID ws = UUID.randomUUID();
        long id = service.createPack(ws, leads(1, 15));
        CompletableFuture<JsonNode> tick = CompletableFuture.supplyAsync(() -> service.tickOk(""));
        // The first wave of eight calls is in flight; cut the database before any of them writes.
        await().atMost(Duration.ofSeconds(5)).until(() -> standIns.insightCalls().size() >= 8);
        proxy.cut();
        JsonNode summary = tick.join();
        assertThat(summary.get("circuitBreakerTriggered").getBooleanValue()).isTrue();
        assertThat(summary.get("exitedEarly").getBooleanValue()).isTrue();
        assertThat(summary.get("stoppedBy").getStringValue()).isEqualTo("db_unavailable");
        assertThat(summary.get("connectionErrors").getIntValue()).isGreaterThanOrEqualTo(3);
        assertThat(summary.get("leadsProcessed").getIntValue()).isZero();
        proxy.restore();

        assertConsistent(id);
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(500)).until(() -> {
            service.tick("");
            return "complete".equals(service.pack(ws, id).get("status").getStringValue());
        });
        assertConsistent(id);
        assertThat(service.count("SELECT count(*) FROM insights.lead_insights WHERE pack_id = ?", id)).isEqualTo(15);
        // A lead asked again after the cut reuses its Idempotency-Key: integrations-service answers it from storage.
        assertThat(standIns.insightCallsByKey()).hasSize(15);
    }

    @Test
    void twoTicksAtOnceNeverWorkTheSamePackOrLead() {
        standIns.reset(100);
        UUID ws = UUID.randomUUID();
        List<Long> packs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            packs.add(service.createPack(ws, leads(1000L * i + 1, 10)));
        }
        CompletableFuture<JsonNode> a = CompletableFuture.supplyAsync(() -> service.tickOk(""));
        CompletableFuture<JsonNode> b = CompletableFuture.supplyAsync(() -> service.tickOk(""));
        JsonNode ra = a.join();
        JsonNode rb = b.join();
        assertThat(ra.get("packsTouched").getIntValue() + rb.get("packsTouched").getIntValue()).isEqualTo(6);
        assertThat(ra.get("leadsProcessed").getIntValue() + rb.get("leadsProcessed").getIntValue()).isEqualTo(60);
        assertThat(standIns.insightCallsByKey()).hasSize(60).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertThat(standIns.synthesisCalls()).hasSize(6);
        for (long id : packs) {
            assertThat(service.pack(ws, id).get("status").getStringValue()).isEqualTo("complete");
        }
    }

    @Test
    void aSecondReplicasTickWhileTheFirstWorksFindsItsPacksLeased() {
        standIns.reset(400);
        UUID ws = UUID.randomUUID();
        long id = service.createPack(ws, leads(1, 10));
        CompletableFuture<JsonNode> first = CompletableFuture.supplyAsync(() -> service.tickOk(""));
        await().atMost(Duration.ofSeconds(15)).until(() -> standIns.insightCalls().size() >= 8);
        JsonNode second = service.tickOk("");
        assertThat(second.get("packsTouched").getIntValue()).isZero();
        assertThat(second.get("stoppedBy").getStringValue()).isEqualTo("idle");
        assertThat(first.join().get("leadsProcessed").getIntValue()).isEqualTo(10);
        assertThat(standIns.insightCallsByKey()).hasSize(10).allSatisfy((k, n) -> assertThat(n).isEqualTo(1));
        assertThat(service.pack(ws, id).get("status").getStringValue()).isEqualTo("complete");
    }

    @Test
    void aFailingLeadIsRetriedABoundedNumberOfTimesThenRecordedWithoutBlockingThePack() {
        UUID ws = UUID.randomUUID();
        long id = service.createPack(ws, leads(1, 4));
        standIns.failInsightFor(3, 503);
        for (int i = 0; i < 5 && !"complete".equals(service.pack(ws, id).get("status").getStringValue()); i++) {
            service.tickOk("");
        }
        JsonNode pack = service.pack(ws, id);
        assertThat(pack.get("status").getStringValue()).isEqualTo("complete");
        assertThat(pack.get("insights").size()).isEqualTo(3);
        assertThat(pack.get("progress").get("failed").getIntValue()).isEqualTo(1);
        JsonNode error = pack.get("errors").get(0);
        assertThat(error.get("leadId").getLongValue()).isEqualTo(3);
        assertThat(error.get("status").getStringValue()).isEqualTo("failed");
        assertThat(error.get("attempts").getIntValue()).isEqualTo(3);
        // Three attempts, each under a key of its own (the client's own retries reuse it).
        assertThat(standIns.insightCallsByKey().keySet()).filteredOn(k -> k.contains(":lead:3:")).hasSize(3);
    }

    @Test
    void aPermanentRefusalFailsTheLeadAtOnce() {
        UUID ws = UUID.randomUUID();
        long id = service.createPack(ws, leads(1, 2));
        standIns.failInsightFor(2, 422);
        service.tickOk("");
        JsonNode pack = service.pack(ws, id);
        assertThat(pack.get("status").getStringValue()).isEqualTo("complete");
        assertThat(pack.get("errors").get(0).get("attempts").getIntValue()).isEqualTo(1);
    }

    @Test
    void pastTheBudgetNoLeadStartsAndCallsInFlightLeaveTheirLeadsPending() {
        standIns.reset(3000);
        UUID ws = UUID.randomUUID();
        long id = service.createPack(ws, leads(1, 15));
        JsonNode summary = service.tickOk("?budget=2s");
        assertThat(summary.get("stoppedBy").getStringValue()).isEqualTo("budget");
        assertThat(summary.get("exitedEarly").getBooleanValue()).isTrue();
        assertThat(summary.get("durationMs").getLongValue()).isLessThanOrEqualTo(3000);
        assertThat(summary.get("leadsProcessed").getIntValue()).isZero();
        // Only the first wave started; the lease is given back, so the next tick takes the pack at once.
        assertThat(standIns.insightCalls()).hasSize(8);
        assertThat(service.count("SELECT count(*) FROM insights.pack_leads WHERE pack_id = ? AND status = 'pending'"
                + " AND attempts = 0", id)).isEqualTo(15);
        assertThat(service.count("SELECT count(*) FROM insights.context_packs WHERE id = ? AND lease_owner IS NULL",
                id)).isEqualTo(1);
    }

    @Test
    void everyTickLogsItsSummaryAsOneLine() {
        service.createPack(UUID.randomUUID(), leads(1, 2));
        try (LogCapture log = LogCapture.start()) {
            service.tickOk("");
            assertThat(log.lines(ch.qos.logback.classic.Level.INFO)).filteredOn(l -> l.contains("insights tick"))
                    .singleElement().satisfies(l -> assertThat(l).contains("packLimit=3", "maxThreadsToProcess=15",
                            "concurrency=8", "packsTouched=1", "leadsProcessed=2", "leadsFailed=0",
                            "connectionErrors=0", "retries=0", "circuitBreakerTriggered=false", "exitedEarly=false",
                            "stoppedBy=done", "durationMs="));
        }
    }

    /** Each lead is done with its insight, or pending/failed without one; progress matches the leads. */
    private void assertConsistent(long packId) {
        assertThat(service.count("""
                SELECT count(*) FROM insights.pack_leads l
                LEFT JOIN insights.lead_insights i ON i.pack_id = l.pack_id AND i.lead_id = l.lead_id
                WHERE l.pack_id = ? AND (l.status = 'done') <> (i.lead_id IS NOT NULL)""", packId)).isZero();
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
