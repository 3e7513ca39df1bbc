package dev.ballast.webhook.outbox;

import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The outbox pruner called directly (its schedule is far off), on a real database behind a fault proxy. Rows of
 * every kind are written with SQL so that their ages are exact; their ids interleave, as in a real outbox.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxPrunerTest {

    // the kinds of old row, by g % 6: which the pruner must delete (0 and 2) and which it must keep
    private static final String OLD_ROWS = """
            INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload, attempts, created_at,
                                        next_attempt_at, delivered_at, parked_at, last_error)
            SELECT ?, ?, 'test-job', ? || ':' || g || ':' || (ARRAY['old-delivered', 'old-pending', 'old-delivered',
                       'old-parked', 'delivered-late', 'parked-and-delivered'])[g % 6 + 1],
                   '{}', 1, now() - interval '20 days' + make_interval(mins => g), now() - interval '20 days',
                   CASE g % 6 WHEN 0 THEN now() - interval '7 days 1 hour'
                              WHEN 2 THEN now() - interval '19 days'
                              WHEN 4 THEN now() - interval '1 day'
                              WHEN 5 THEN now() - interval '9 days' END,
                   CASE WHEN g % 6 IN (3, 5) THEN now() - interval '19 days' END,
                   CASE WHEN g % 6 IN (3, 5) THEN 'jobs-service answered 422' END
            FROM generate_series(1, ?) AS g ORDER BY g""";
    private static final String RECENT_ROWS = """
            INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload, created_at,
                                        delivered_at)
            SELECT ?, ?, 'test-job', ? || ':' || g || ':recent-delivered', '{}',
                   now() - interval '1 day', now() - interval '23 hours'
            FROM generate_series(1, ?) AS g ORDER BY g""";

    private RunningWebhookService service;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start(Map.of(
                "ballast.webhook.outbox.retention", "7d",
                "ballast.webhook.outbox.prune-batch-size", "3",
                "ballast.webhook.outbox.prune-initial-delay", "1h",
                "ballast.db.retry.max-retries", "20",
                "ballast.db.retry.cap", "500ms"), true);
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void onlyRowsDeliveredBeforeTheRetentionAreDeletedBatchByBatchAndTheWalkStopsAtTheCutoff() throws Exception {
        String tag = "p" + UUID.randomUUID();
        TestWorkspace ws = service.createWorkspace();
        long message = service.acceptNewReply(ws);
        // the walk covers the whole table: start from an empty one so that its length is known
        service.execute("DELETE FROM webhook.outbox");
        service.execute(OLD_ROWS, ws.id(), message, tag, 24);
        service.execute(RECENT_ROWS, ws.id(), message, tag, 30);
        MeterRegistry meters = service.context().getBean(MeterRegistry.class);
        double prunedBefore = meters.counter("ballast.outbox.pruned").count();
        OutboxPruner pruner = service.context().getBean(OutboxPruner.class);

        OutboxPruner.Run run = pruner.prune();

        assertThat(run.deleted()).isEqualTo(8);
        assertThat(kinds(ws.id())).containsExactlyInAnyOrderEntriesOf(Map.of(
                "old-pending", 4L, "old-parked", 4L, "delivered-late", 4L, "parked-and-delivered", 4L,
                "recent-delivered", 30L));
        assertThat(meters.counter("ballast.outbox.pruned").count()).isEqualTo(prunedBefore + 8);
        // 54 rows in batches of 3: the 24 old ones take 8 batches, and the 9th, made only of recent rows, ends the
        // walk; the other 27 recent rows are never read
        assertThat(run.batches()).isEqualTo(9);

        OutboxPruner.Run again = pruner.prune();
        assertThat(again.deleted()).isZero();
        assertThat(service.outboxRows(ws.id())).isEqualTo(46);
        assertThat(again.batches()).isEqualTo(7);
    }

    @Test
    void aDatabaseOutageDuringARunIsRetriedAndTheRunFinishes() throws Exception {
        String tag = "f" + UUID.randomUUID();
        TestWorkspace ws = service.createWorkspace();
        long message = service.acceptNewReply(ws);
        // ids follow creation times: rows made to look old must not come after the other test's recent ones
        service.execute("DELETE FROM webhook.outbox");
        service.execute(OLD_ROWS, ws.id(), message, tag, 12);
        OutboxPruner pruner = service.context().getBean(OutboxPruner.class);
        MeterRegistry meters = service.context().getBean(MeterRegistry.class);

        CompletableFuture<OutboxPruner.Run> run;
        try {
            service.proxy().cut();
            run = CompletableFuture.supplyAsync(() -> {
                try {
                    return pruner.prune();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            await().atMost(Duration.ofSeconds(20)).until(() -> retries(meters) > 0);
            assertThat(run).isNotDone();
        } finally {
            service.proxy().restore();
        }

        assertThat(run.get(30, TimeUnit.SECONDS).deleted()).isEqualTo(4);
        assertThat(kinds(ws.id())).doesNotContainKey("old-delivered");
    }

    private static double retries(MeterRegistry meters) {
        return meters.find("ballast.db.retry.retries").tag("operation", "outbox-prune").counters().stream()
                .mapToDouble(c -> c.count()).sum();
    }

    /** Rows of the workspace per kind (the last part of their dedupe key). */
    private Map<String, Long> kinds(UUID workspace) {
        List<Map<String, Object>> rows = service.query("""
                SELECT split_part(dedupe_key, ':', 3) AS kind, count(*) AS n FROM webhook.outbox
                WHERE workspace_id = ? AND job_type = 'test-job' GROUP BY 1""", workspace);
        return rows.stream().collect(java.util.stream.Collectors.toMap(r -> (String) r.get("kind"),
                r -> ((Number) r.get("n")).longValue()));
    }
}
