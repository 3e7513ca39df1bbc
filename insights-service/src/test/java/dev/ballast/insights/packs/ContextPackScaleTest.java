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

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * 200 packs of 40 leads through a pool of 3 connections with 8 LLM calls in flight, two ticks at a time: no caller
 * ever waits in vain for a connection, every pack completes, and no lead is asked or written twice.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContextPackScaleTest {

    private static final int PACKS = 200;
    private static final int LEADS = 40;
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
                "datasources.default.maximum-pool-size", "3",
                "datasources.default.minimum-idle", "1",
                "ballast.insights.context-packs.cron-limit", "10",
                "ballast.insights.context-packs.lead-concurrency", "8"));
    }

    @AfterAll
    void stop() {
        service.close();
        standIns.close();
        proxy.close();
        db.close();
    }

    @Test
    void twoHundredPacksOfFortyLeadsCompleteThroughThreeConnectionsWithEveryLeadAskedOnce() {
        UUID ws = UUID.randomUUID();
        List<Long> packs = new ArrayList<>();
        for (int p = 0; p < PACKS; p++) {
            packs.add(service.createPack(ws, LongStream.rangeClosed(1, LEADS).boxed()
                    .toList()));
        }
        AtomicInteger ticks = new AtomicInteger();
        AtomicInteger dbTrouble = new AtomicInteger();
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        Runnable replica = () -> {
            while (System.nanoTime() < deadline
                    && service.count("SELECT count(*) FROM insights.context_packs WHERE status <> 'complete'") > 0) {
                JsonNode summary = service.tickOk("");
                ticks.incrementAndGet();
                dbTrouble.addAndGet(summary.get("connectionErrors").getIntValue());
            }
        };
        CompletableFuture.allOf(CompletableFuture.runAsync(replica), CompletableFuture.runAsync(replica)).join();

        assertThat(service.count("SELECT count(*) FROM insights.context_packs WHERE status = 'complete'"))
                .isEqualTo(PACKS);
        assertThat(service.acquisitionTimeouts()).isZero();
        assertThat(dbTrouble.get()).isZero();
        assertThat(service.count("SELECT count(*) FROM insights.lead_insights")).isEqualTo((long) PACKS * LEADS);
        assertThat(service.count("SELECT count(*) FROM insights.pack_leads WHERE status <> 'done' OR attempts <> 1"))
                .isZero();
        // Every (pack, lead) asked exactly once, every pack synthesized once.
        assertThat(standIns.insightCallsByKey()).hasSize(PACKS * LEADS)
                .allSatisfy((key, calls) -> assertThat(calls).as(key).isEqualTo(1));
        assertThat(standIns.synthesisCalls()).hasSize(PACKS);
        System.out.println("scale: " + PACKS + " packs x " + LEADS + " leads in " + ticks.get() + " ticks");
    }
}
