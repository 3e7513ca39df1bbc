package dev.ballast.e2e;

import dev.ballast.e2e.BallastSystem.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.ballast.e2e.BallastSystem.INSIGHTS;
import static dev.ballast.e2e.BallastSystem.INTEGRATIONS;
import static dev.ballast.e2e.BallastSystem.JOBS;
import static dev.ballast.e2e.BallastSystem.WEBHOOK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The services together, as separate processes over real HTTP and one real PostgreSQL, under the faults production
 * sees: duplicate storms, a database that goes away, a worker killed mid-run, a service down. Every scenario is
 * judged on the database (and the provider sandbox's own request counts), not on answers alone, and prints
 * {@code RESULT e2e_<scenario>_lost} and {@code _duplicated} lines computed from it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnderFireIT extends SystemScenarios {

    @BeforeAll
    void start() {
        system = BallastSystem.start(Map.of(
                JOBS, jobsEnvironment(),
                WEBHOOK, QUICK_RELAY_RETRIES,
                // a provider slower than its timeout is one that takes over a second here
                INTEGRATIONS, Map.of("SLACK_TIMEOUT", "1s", "PROVIDER_BREAKER_MIN_CALLS", "5",
                        "PROVIDER_BREAKER_WINDOW", "10")));
    }

    /** Quick job retries, and the worker count bench/e2e/run may set (production's 8 by default). */
    private static Map<String, String> jobsEnvironment() {
        Map<String, String> env = new HashMap<>(QUICK_JOB_RETRIES);
        env.put("JOBS_WORKER_CONCURRENCY", System.getProperty("e2e.workers", "8"));
        return env;
    }

    @Test
    void duplicateStormStoresEachMessageOnceAndRunsEachSideEffectOnce() throws Exception {
        duplicateStorm("storm", "31", 1_000, 7, "duplicate_storm");
    }

    @Test
    void aWorkerKilledMidRunLeavesEveryJobDoneOnceAndNothingPostedTwice() throws Exception {
        Workspace ws = system.createWorkspace("killed", "32", "loc-killed");
        system.resetSandboxCounts();
        List<Long> replyIds = ids(2_000, 60);

        Map<String, AtomicInteger> answers = deliverConcurrently(ws, "32", replyIds, 8);
        assertThat(answers.get("accepted").get()).isEqualTo(60);
        // kill jobs-service while it works through them, then bring it back
        await().atMost(Duration.ofSeconds(60)).until(() -> finishedJobs(ws) >= 5);
        system.kill(JOBS);
        long finishedWhenKilled = finishedJobs(ws);
        system.restart(JOBS);

        awaitJobsDone(ws, 60);
        assertThat(finishedWhenKilled).as("killed mid-run").isLessThan(60);
        assertThat(countMessages(ws)).isEqualTo(60);
        assertThat(system.db.count("SELECT count(*) FROM webhook.outbox o JOIN webhook.messages m ON m.id = o.message_id"
                + " WHERE m.workspace_id = ?::uuid AND o.delivered_at IS NULL", ws.id()))
                .as("outbox drained").isZero();
        assertThat(system.sandboxServed(ws, "slack")).as("Slack posts: one per message, none twice").isEqualTo(60);
        report("worker_killed", ws, replyIds);
    }

    @Test
    void integrationsServiceDownMakesJobsWaitAndFinishAfterItReturnsWithNoSideEffectTwice() throws Exception {
        Workspace ws = system.createWorkspace("outage", "33", "loc-outage");
        system.resetSandboxCounts();
        List<Long> replyIds = ids(3_000, 30);
        system.stop(INTEGRATIONS);
        long downSince = System.nanoTime();

        Map<String, AtomicInteger> answers = deliverConcurrently(ws, "33", replyIds, 8);
        assertThat(answers.get("accepted").get()).as("intake does not need integrations-service").isEqualTo(30);
        await().atMost(Duration.ofSeconds(60)).until(() -> system.db.count(
                "SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?::uuid AND attempt > 1", ws.id()) >= 30);
        // down for thirty seconds in all, as a crashed pod that takes its time to come back
        Thread.sleep(Math.max(0, 30_000 - (System.nanoTime() - downSince) / 1_000_000));
        assertThat(finishedJobs(ws)).as("nothing finishes while integrations-service is down").isZero();
        system.restart(INTEGRATIONS);

        awaitJobsDone(ws, 30);
        assertThat(system.sandboxServed(ws, "slack")).isEqualTo(30);
        assertThat(system.sandboxServed(ws, "ai")).isEqualTo(60);
        report("integrations_down", ws, replyIds);
    }

    @Test
    void theDatabaseGoneForTenSecondsDuringADeliveryRunLosesAndDuplicatesNothing() throws Exception {
        Workspace ws = system.createWorkspace("dbcut", "34", "loc-dbcut");
        system.resetSandboxCounts();
        List<Long> replyIds = ids(4_000, 120);
        Map<Long, Integer> statuses;
        try {
            // 8 deliveries a second: the cut spans ten seconds of them
            statuses = deliverPaced(ws, "34", replyIds, 125, i -> {
                if (i == 30) {
                    system.dbProxy.cut();
                }
                if (i == 110) {
                    system.dbProxy.restore();
                }
            });
        } finally {
            system.dbProxy.restore();
        }
        redeliverRefused(ws, "34", statuses, "while the database was away");
        awaitJobsDone(ws, 120);
        assertThat(system.sandboxServed(ws, "slack")).as("one Slack post per message").isEqualTo(120);
        report("db_cut", ws, replyIds);
    }

    @Test
    void aProviderSlowerThanItsTimeoutOpensTheBreakerOfThatWorkspaceAndProviderOnly() throws Exception {
        Workspace slow = system.createWorkspace("slowslack", "35", "loc-slowslack");
        Workspace fine = system.createWorkspace("fineslack", "36", "loc-fineslack");
        system.sendTo("POST", system.sandboxControl() + "/faults", """
                {"provider":"slack","workspace":"sandbox-slowslack","kind":"latency","latencyMs":3000,"rate":1}""", null);
        try {
            List<Long> slowIds = ids(5_000, 20);
            List<Long> fineIds = ids(6_000, 20);
            Map<String, AtomicInteger> a = deliverConcurrently(slow, "35", slowIds, 8);
            Map<String, AtomicInteger> b = deliverConcurrently(fine, "36", fineIds, 8);
            assertThat(a.get("accepted").get() + b.get("accepted").get()).isEqualTo(40);

            awaitJobsDone(slow, 20);
            awaitJobsDone(fine, 20);
            assertThat(slackNotices(fine, "sent")).as("the other workspace's Slack is untouched").isEqualTo(20);
            assertThat(slackNotices(slow, "sent")).isZero();
            assertThat(countAnnotations(slow, "ai-draft")).as("AI calls of the slow workspace go on").isEqualTo(20);
            assertThat(system.db.count("SELECT count(*) FROM webhook.message_annotations a JOIN webhook.messages m"
                    + " ON m.id = a.message_id WHERE m.workspace_id = ?::uuid AND a.kind = 'slack-notice'"
                    + " AND a.value->>'reason' = 'breaker_open'", slow.id()))
                    .as("later Slack calls of that workspace skipped by its open breaker").isPositive();
        } finally {
            system.sendTo("DELETE", system.sandboxControl() + "/faults", null, null);
        }
        report("slow_provider", slow, ids(5_000, 20));
    }

    @Test
    void theInsightsCronDuringADatabaseOutageAnswers503WithNoLlmCallAndItsPackCompletesAfterRecovery() throws Exception {
        Workspace ws = system.createWorkspace("insights", "37", "loc-insights");
        List<Long> replyIds = ids(7_000, 4);
        assertThat(deliverConcurrently(ws, "37", replyIds, 4).get("accepted").get()).isEqualTo(4);
        awaitJobsDone(ws, 4);
        List<Long> leads = system.db.query("SELECT id FROM webhook.leads WHERE workspace_id = ?::uuid ORDER BY id",
                ws.id()).stream().map(r -> ((Number) r.get("id")).longValue()).toList();
        assertThat(leads).hasSize(4);
        HttpResponse<String> created = system.sendTo("POST", system.url(INSIGHTS) + "/insights/context-packs",
                "{\"workspaceId\":\"" + ws.id() + "\",\"leadIds\":" + leads + ",\"question\":\"Who is ready to buy?\"}",
                system.secret("INSIGHTS_SERVICE_TOKEN"), "Idempotency-Key", "e2e-pack-1");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String pack = BallastSystem.field(created.body(), "\"id\"\\s*:\\s*(\\d+)");
        system.resetSandboxCounts();

        system.dbProxy.cut();
        HttpResponse<String> during;
        try {
            during = cronTick();
        } finally {
            system.dbProxy.restore();
        }
        assertThat(during.statusCode()).as(during.body()).isEqualTo(503);
        assertThat(during.body()).contains("\"db_unreachable\":true");
        assertThat(system.sandboxServed(ws, "ai")).as("no LLM call while the database is away").isZero();
        assertThat(system.db.count("SELECT count(*) FROM insights.context_packs WHERE id = ? AND status = 'pending'",
                Long.parseLong(pack))).as("the pack untouched by the failed tick").isEqualTo(1);

        // the CronJob's next runs, once the database is back
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
            HttpResponse<String> tick = cronTick();
            assertThat(tick.statusCode()).as(tick.body()).isIn(200, 503);
            return system.db.count("SELECT count(*) FROM insights.context_packs WHERE id = ? AND status = 'complete'",
                    Long.parseLong(pack)) == 1;
        });
        assertThat(system.db.count("SELECT count(*) FROM insights.lead_insights WHERE pack_id = ?", Long.parseLong(pack)))
                .as("an insight per lead").isEqualTo(4);
        assertThat(system.sandboxServed(ws, "ai")).as("an LLM call per lead and one synthesis, none twice")
                .isEqualTo(5);
        report("insights_db_outage", ws, replyIds);
    }

    /**
     * Not a fault: the figure the faults are measured against. Deliveries at a steady rate (open loop, each sent at
     * its scheduled time), every service and the sandbox at zero added latency; the time from each 200 answer to the
     * message's last annotation, read from the database. Printed, never asserted: speed is judged by reading the
     * RESULT lines, correctness by the assertions.
     */
    @Test
    void deliveriesAtASteadyRateAreAnnotatedAndTheirLatencyIsReported() throws Exception {
        int rate = Integer.getInteger("e2e.rate", 100);
        int seconds = Integer.getInteger("e2e.seconds", 5);
        // warm-up in its own workspace: JIT, pools and caches of a freshly started system, as after a deploy (the
        // bench asks for more: a few hundred jobs leave the JIT compiling through the recorded run)
        int warmup = Integer.getInteger("e2e.warmup", 300);
        Workspace warm = system.createWorkspace("warmup", "39", "loc-warmup");
        deliverConcurrently(warm, "39", ids(90_000, warmup), 4);
        awaitJobsDone(warm, warmup);
        Workspace ws = system.createWorkspace("steady", "38", "loc-steady");
        List<Long> replyIds = ids(100_000, rate * seconds);
        Map<Long, Long> answeredAtMs = new ConcurrentHashMap<>();
        long start = System.nanoTime() + 200_000_000L;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < replyIds.size(); i++) {
                long id = replyIds.get(i);
                long at = start + i * 1_000_000_000L / rate;
                sent.add(pool.submit(() -> {
                    long wait = at - System.nanoTime();
                    if (wait > 0) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                    HttpResponse<String> r = system.send("POST", WEBHOOK, "/webhooks/email/" + ws.id(),
                            reply("38", id), ws.intakeToken());
                    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                    answeredAtMs.put(id, System.currentTimeMillis());
                    return null;
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
        awaitJobsDone(ws, replyIds.size());
        List<Map<String, Object>> rows = system.db.query("SELECT m.external_id,"
                + " (extract(epoch FROM max(a.updated_at)) * 1000)::bigint AS last_ms, count(*) AS kinds"
                + " FROM webhook.messages m JOIN webhook.message_annotations a ON a.message_id = m.id"
                + " WHERE m.workspace_id = ?::uuid GROUP BY m.external_id", ws.id());
        assertThat(rows).as("every message annotated").hasSize(replyIds.size());
        long[] latencies = rows.stream().mapToLong(r -> ((Number) r.get("last_ms")).longValue()
                - answeredAtMs.get(Long.parseLong(BallastSystem.field((String) r.get("external_id"), "reply:(\\d+)@"))))
                .sorted().toArray();
        assertThat(rows).allSatisfy(r -> assertThat(((Number) r.get("kinds")).intValue())
                .as("sentiment, enrichment, draft, auto-send and Slack notice").isGreaterThanOrEqualTo(5));
        String lines = "RESULT e2e_delivery_to_annotated_p50_ms " + percentile(latencies, 0.50) + " ms\n"
                + "RESULT e2e_delivery_to_annotated_p99_ms " + percentile(latencies, 0.99) + " ms\n";
        // where the time went, medians over the run's jobs: outbox relay, wait for a worker, the job itself
        Map<String, Object> split = system.db.query("""
                SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.created_at - m.received_at)) * 1000 AS relay_ms,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM a.started_at - j.created_at)) * 1000 AS wait_ms,
                       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.finished_at - a.started_at)) * 1000 AS run_ms,
                       count(*) / greatest(extract(epoch FROM max(j.finished_at) - min(m.received_at)), 0.001) AS jobs_per_s
                  FROM webhook.messages m
                  JOIN jobs.jobs j ON j.workspace_id = m.workspace_id AND j.payload->>'messageId' = m.id::text
                  JOIN jobs.job_attempts a ON a.job_id = j.id AND a.attempt = 1
                 WHERE m.workspace_id = ?::uuid""", ws.id()).getFirst();
        System.out.printf("e2e: %d deliveries at %d/s; medians: relay %.0f ms, wait for a worker %.0f ms, job %.0f ms;"
                        + " jobs finished at %.1f/s%n", replyIds.size(), rate, num(split, "relay_ms"), num(split, "wait_ms"),
                num(split, "run_ms"), num(split, "jobs_per_s"));
        // and inside the job: when each annotation was written, counted from the job's start
        system.db.query("""
                SELECT a.kind, percentile_cont(0.5) WITHIN GROUP
                           (ORDER BY extract(epoch FROM a.updated_at - t.started_at)) * 1000 AS after_start_ms
                  FROM webhook.message_annotations a
                  JOIN jobs.jobs j ON j.payload->>'messageId' = a.message_id::text
                  JOIN jobs.job_attempts t ON t.job_id = j.id AND t.attempt = 1
                 WHERE a.workspace_id = ?::uuid GROUP BY a.kind ORDER BY 2""", ws.id())
                .forEach(r -> System.out.printf("e2e: median %s written %.0f ms after the job started%n", r.get("kind"),
                        num(r, "after_start_ms")));
        System.out.print(lines);
        appendResults(lines);
        report("steady_rate", ws, replyIds);
    }

    private static double num(Map<String, Object> row, String column) {
        Object v = row.get(column);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    private static long percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    private HttpResponse<String> cronTick() {
        return system.sendTo("POST", system.url(INSIGHTS) + "/cron/insights/context-packs?budget=10s", null,
                system.secret("INSIGHTS_CRON_TOKEN"));
    }

    private long slackNotices(Workspace ws, String status) {
        return system.db.count("SELECT count(*) FROM webhook.message_annotations a JOIN webhook.messages m"
                + " ON m.id = a.message_id WHERE m.workspace_id = ?::uuid AND a.kind = 'slack-notice'"
                + " AND a.value->>'status' = ?", ws.id(), status);
    }
}
