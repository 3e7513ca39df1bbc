package dev.ballast.e2e;

import dev.ballast.e2e.BallastSystem.Workspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

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
                // jobs come back quickly after a service outage instead of after the production backoff
                JOBS, Map.of("JOBS_EMAIL_INBOUND_BACKOFF_BASE", "1s", "JOBS_EMAIL_INBOUND_BACKOFF_CAP", "5s",
                        "JOBS_EMAIL_INBOUND_MAX_ATTEMPTS", "30", "JOBS_LEASE", "6s",
                        "JOBS_RESCUE_INTERVAL", "1s"),
                WEBHOOK, Map.of("OUTBOX_RELAY_BACKOFF_BASE", "200ms", "OUTBOX_RELAY_BACKOFF_CAP", "2s"),
                // a provider slower than its timeout is one that takes over a second here
                INTEGRATIONS, Map.of("SLACK_TIMEOUT", "1s", "PROVIDER_BREAKER_MIN_CALLS", "5",
                        "PROVIDER_BREAKER_WINDOW", "10")));
    }

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    @Test
    void duplicateStormStoresEachMessageOnceAndRunsEachSideEffectOnce() throws Exception {
        Workspace ws = system.createWorkspace("storm", "31", "loc-storm");
        system.resetSandboxCounts();
        List<Long> replyIds = ids(1_000, 50);
        List<Long> deliveries = new ArrayList<>();
        replyIds.forEach(id -> deliveries.addAll(Collections.nCopies(10, id)));
        Collections.shuffle(deliveries, new Random(7));

        Map<String, AtomicInteger> answers = deliverConcurrently(ws, "31", deliveries, 32);

        assertThat(answers.keySet()).as("every delivery answered 200").containsOnly("accepted", "duplicate");
        assertThat(answers.get("accepted").get()).isEqualTo(50);
        awaitJobsDone(ws, 50);
        assertThat(countMessages(ws)).isEqualTo(50);
        assertThat(countAnnotations(ws, "ai-draft")).isEqualTo(50);
        assertThat(countAnnotations(ws, "slack-notice")).isEqualTo(50);
        Map<String, Long> served = system.sandboxServed();
        assertThat(served.get("slack")).as("Slack posts in the sandbox").isEqualTo(50);
        assertThat(served.get("ai")).as("AI calls: sentiment and draft per message").isEqualTo(100);
        report("duplicate_storm", ws, replyIds);
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
        assertThat(system.sandboxServed().get("slack")).as("Slack posts: one per message, none twice").isEqualTo(60);
        report("worker_killed", ws, replyIds);
    }

    @Test
    void integrationsServiceDownMakesJobsWaitAndFinishAfterItReturnsWithNoSideEffectTwice() throws Exception {
        Workspace ws = system.createWorkspace("outage", "33", "loc-outage");
        system.resetSandboxCounts();
        List<Long> replyIds = ids(3_000, 30);
        system.stop(INTEGRATIONS);

        Map<String, AtomicInteger> answers = deliverConcurrently(ws, "33", replyIds, 8);
        assertThat(answers.get("accepted").get()).as("intake does not need integrations-service").isEqualTo(30);
        await().atMost(Duration.ofSeconds(60)).until(() -> system.db.count(
                "SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?::uuid AND attempt > 1", ws.id()) >= 30);
        assertThat(finishedJobs(ws)).as("nothing finishes while integrations-service is down").isZero();
        Thread.sleep(10_000);
        system.restart(INTEGRATIONS);

        awaitJobsDone(ws, 30);
        assertThat(system.sandboxServed().get("slack")).isEqualTo(30);
        assertThat(system.sandboxServed().get("ai")).isEqualTo(60);
        report("integrations_down", ws, replyIds);
    }

    @Test
    void theDatabaseGoneForTenSecondsDuringADeliveryRunLosesAndDuplicatesNothing() throws Exception {
        Workspace ws = system.createWorkspace("dbcut", "34", "loc-dbcut");
        system.resetSandboxCounts();
        List<Long> replyIds = ids(4_000, 120);
        Map<Long, Integer> statuses = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < replyIds.size(); i++) {
                long id = replyIds.get(i);
                if (i == 30) {
                    system.dbProxy.cut();
                }
                if (i == 110) {
                    system.dbProxy.restore();
                }
                sent.add(pool.submit(() -> statuses.put(id, system.send("POST", WEBHOOK, "/webhooks/email/" + ws.id(),
                        reply("34", id), ws.intakeToken()).statusCode())));
                Thread.sleep(125);    // 8 deliveries a second: the cut spans ten seconds of them
            }
            for (Future<?> f : sent) {
                f.get();
            }
        } finally {
            system.dbProxy.restore();
        }
        assertThat(statuses.values()).as("stored, or refused as worth retrying").containsOnly(200, 503);
        List<Long> refused = replyIds.stream().filter(id -> statuses.get(id) != 200).toList();
        assertThat(refused).as("deliveries refused while the database was away").isNotEmpty();
        // the provider redelivers what was refused
        for (long id : refused) {
            await().atMost(Duration.ofSeconds(30)).until(() -> system.send("POST", WEBHOOK, "/webhooks/email/" + ws.id(),
                    reply("34", id), ws.intakeToken()).statusCode() == 200);
        }
        awaitJobsDone(ws, 120);
        assertThat(system.sandboxServed().get("slack")).as("one Slack post per message").isEqualTo(120);
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

    private long slackNotices(Workspace ws, String status) {
        return system.db.count("SELECT count(*) FROM webhook.message_annotations a JOIN webhook.messages m"
                + " ON m.id = a.message_id WHERE m.workspace_id = ?::uuid AND a.kind = 'slack-notice'"
                + " AND a.value->>'status' = ?", ws.id(), status);
    }
}
