package dev.ballast.webhook.outbox;

import dev.ballast.webhook.testing.RealJobsService;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The relay against the real jobs-service (its own JVM and database), through {@link JobsServiceGate}: a backlog
 * drained by racing relays, a call whose answer is lost after jobs-service committed, one refused job in a batch,
 * and jobs-service down while a backlog waits. Dedupe is judged by what jobs-service stored.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxRelayWithJobsServiceTest {

    private RealJobsService jobs;
    private JobsServiceGate gate;
    private RunningWebhookService service;

    @BeforeAll
    void start() {
        jobs = RealJobsService.start();
        gate = new JobsServiceGate(jobs.url());
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.http.services.jobs.url", gate.url());
        p.put("micronaut.http.services.jobs.read-timeout", "1s");
        p.put("ballast.service-tokens.jobs", RealJobsService.TOKEN);
        p.put("ballast.clients.jobs.base", "10ms");
        p.put("ballast.clients.jobs.cap", "50ms");
        p.put("ballast.clients.jobs.deadline", "5s");
        p.put("ballast.clients.jobs.breaker.wait-duration-in-open-state", "300ms");
        p.put("ballast.webhook.outbox.relay.enabled", "true");
        p.put("ballast.webhook.outbox.relay.interval", "100ms");
        p.put("ballast.webhook.outbox.relay.initial-delay", "0s");
        p.put("ballast.webhook.outbox.relay.lease", "30s");
        p.put("ballast.webhook.outbox.relay.batch-size", "200");
        p.put("ballast.webhook.outbox.relay.in-flight", "2");
        p.put("ballast.webhook.outbox.relay.backoff-base", "100ms");
        p.put("ballast.webhook.outbox.relay.backoff-cap", "1s");
        service = RunningWebhookService.start(p);
    }

    @AfterAll
    void stop() {
        service.close();
        gate.close();
        jobs.close();
    }

    @Test
    void twentyThousandUndeliveredRowsDrainWithThreeRelaysRacingAndEachKeyIsAcceptedOnce() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        String tag = "drain-" + UUID.randomUUID();
        List<OutboxRelay> others = List.of(newRelay(), newRelay());
        CountDownLatch go = new CountDownLatch(1);
        Instant deadline = Instant.now().plusSeconds(120);
        List<Future<?>> racing = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (OutboxRelay relay : others) {
                racing.add(threads.submit(() -> {
                    go.await();
                    while (service.undeliveredOutboxRows(ws.id()) > 0 && Instant.now().isBefore(deadline)) {
                        relay.drain();
                    }
                    return null;
                }));
            }
            // committed at once: the service's own relay finds them at its interval (100 ms) and races the other two
            insertRows(ws, tag, 20_000, -1);
            go.countDown();
            for (Future<?> f : racing) {
                f.get();
            }
        }

        assertThat(service.undeliveredOutboxRows(ws.id())).isZero();
        assertThat(jobs.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key LIKE ?", "%" + tag + "%"))
                .isEqualTo(20_000);
        assertThat(jobs.count("SELECT count(DISTINCT dedupe_key) FROM jobs.jobs WHERE dedupe_key LIKE ?",
                "%" + tag + "%")).isEqualTo(20_000);
        // every row went out in a bulk call, not one call per row
        long calls = gate.calls().stream().filter(c -> c.keys().stream().anyMatch(k -> k.contains(tag))).count();
        assertThat(calls).isLessThan(20_000 / 50);
        assertThat(service.count("SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? AND parked_at IS NOT NULL",
                ws.id())).isZero();
    }

    @Test
    void aBulkCallThatTimesOutAfterJobsServiceCommittedIsRetriedWholeAndNothingIsEnqueuedTwice() {
        TestWorkspace ws = service.createWorkspace();
        String tag = "late-" + UUID.randomUUID();
        // the first answer reaches the relay 3 s late, past its 1 s read timeout
        gate.holdAnswers(1, Duration.ofSeconds(3));
        insertRows(ws, tag, 5, -1);

        await().atMost(Duration.ofSeconds(30)).until(() -> service.count(
                "SELECT count(*) FROM webhook.outbox WHERE dedupe_key LIKE ? AND delivered_at IS NOT NULL",
                "%" + tag + "%") == 5);

        List<JobsServiceGate.Call> calls = gate.calls().stream()
                .filter(c -> c.keys().stream().anyMatch(k -> k.contains(tag))).toList();
        assertThat(calls).hasSizeGreaterThanOrEqualTo(2);
        // the first call was stored by jobs-service (200) and its answer lost; it was sent again whole, same keys
        assertThat(calls.getFirst().status()).isEqualTo(200);
        assertThat(calls.getFirst().keys()).hasSize(5);
        assertThat(calls.get(1).keys()).isEqualTo(calls.getFirst().keys());
        assertThat(jobs.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key LIKE ?", "%" + tag + "%")).isEqualTo(5);
        assertThat(jobs.count("SELECT count(DISTINCT dedupe_key) FROM jobs.jobs WHERE dedupe_key LIKE ?",
                "%" + tag + "%")).isEqualTo(5);
    }

    @Test
    void oneJobRefusedInABulkCallParksItsRowAndTheOthersAreDelivered() {
        TestWorkspace ws = service.createWorkspace();
        String tag = "refused-" + UUID.randomUUID();
        MeterRegistry meters = service.context().getBean(MeterRegistry.class);
        double parkedBefore = meters.counter("ballast.outbox.parked").count();
        // row 4 of 10 carries a payload jobs-service refuses (not a JSON object: 422 for that item)
        insertRows(ws, tag, 10, 4);

        await().atMost(Duration.ofSeconds(30)).until(() -> service.count(
                "SELECT count(*) FROM webhook.outbox WHERE dedupe_key LIKE ? AND (delivered_at IS NOT NULL "
                        + "OR parked_at IS NOT NULL)", "%" + tag + "%") == 10);

        String refused = "email-inbound-post-process:" + tag + "-4";
        Map<String, Object> row = service.query(
                "SELECT attempts, last_error, parked_at, delivered_at FROM webhook.outbox WHERE dedupe_key = ?", refused)
                .getFirst();
        assertThat(row.get("parked_at")).isNotNull();
        assertThat(row.get("delivered_at")).isNull();
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("last_error")).isEqualTo("jobs-service answered 422");
        assertThat(service.count("SELECT count(*) FROM webhook.outbox WHERE dedupe_key LIKE ? AND delivered_at IS NOT NULL",
                "%" + tag + "%")).isEqualTo(9);
        assertThat(jobs.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key LIKE ?", "%" + tag + "%")).isEqualTo(9);
        assertThat(jobs.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key = ?", refused)).isZero();
        assertThat(meters.counter("ballast.outbox.parked").count()).isEqualTo(parkedBefore + 1);
        // the nine went in the same call as the refused one: none of them was sent twice
        List<JobsServiceGate.Call> calls = gate.calls().stream()
                .filter(c -> c.keys().stream().anyMatch(k -> k.contains(tag))).toList();
        assertThat(calls).hasSize(1);
    }

    @Test
    void whileJobsServiceIsDownABacklogCostsOneCallPerRunAndDrainsWhenItIsBack() {
        TestWorkspace ws = service.createWorkspace();
        String tag = "down-" + UUID.randomUUID();
        jobs.stop();
        try {
            insertRows(ws, tag, 500, -1);
            await().atMost(Duration.ofSeconds(30)).until(() -> callsFor(tag).size() >= 10
                    && service.count("SELECT coalesce(sum(attempts), 0) FROM webhook.outbox WHERE dedupe_key LIKE ?",
                    "%" + tag + "%") >= 5);
            List<JobsServiceGate.Call> whileDown = callsFor(tag);
            long attempts = service.count("SELECT coalesce(sum(attempts), 0) FROM webhook.outbox WHERE dedupe_key LIKE ?",
                    "%" + tag + "%");
            assertThat(whileDown).allSatisfy(c -> assertThat(c.status()).isEqualTo(502));
            // only the batches already on their way when it went (at most in-flight = 2 runs, up to 3 tries each)
            // carried more than one row; after they failed each run sends one row, one call (up to 3 tries)
            assertThat(whileDown.stream().filter(c -> c.keys().size() > 1).count()).isLessThanOrEqualTo(2 * 3);
            assertThat(whileDown.size()).isLessThanOrEqualTo((int) (3 * attempts + 3));
            assertThat(service.undeliveredOutboxRows(ws.id())).isEqualTo(500);
        } finally {
            jobs.restart();
        }

        await().atMost(Duration.ofSeconds(60)).until(() -> service.undeliveredOutboxRows(ws.id()) == 0);
        assertThat(jobs.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key LIKE ?", "%" + tag + "%")).isEqualTo(500);
        assertThat(jobs.count("SELECT count(DISTINCT dedupe_key) FROM jobs.jobs WHERE dedupe_key LIKE ?",
                "%" + tag + "%")).isEqualTo(500);
    }

    private List<JobsServiceGate.Call> callsFor(String tag) {
        return gate.calls().stream().filter(c -> c.keys().stream().anyMatch(k -> k.contains(tag))).toList();
    }

    /**
     * {@code n} outbox rows of one new message, committed in one statement (as a burst of deliveries would leave
     * them); row {@code bad} (if any) carries a payload jobs-service refuses.
     */
    private void insertRows(TestWorkspace ws, String tag, int n, int bad) {
        long message = ((Number) service.queryOne("""
                WITH l AS (INSERT INTO webhook.leads (workspace_id, lead_key) VALUES (?, ?) RETURNING id)
                INSERT INTO webhook.messages (workspace_id, lead_id, provider, external_id, channel, direction, event_type,
                                              body)
                SELECT ?, l.id, 'emailbison', ?, 'email', 'inbound', 'lead_replied', 'hi' FROM l
                RETURNING id""", ws.id(), "lead:" + tag, ws.id(), tag)).longValue();
        service.execute("""
                INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload)
                SELECT ?, ?, 'email-inbound-post-process', 'email-inbound-post-process:' || ? || '-' || g,
                       CASE WHEN g = ? THEN '[1]'::jsonb ELSE jsonb_build_object('messageId', ?::bigint, 'n', g) END
                FROM generate_series(1, ?) g""", ws.id(), message, tag, bad, message, n);
    }

    private OutboxRelay newRelay() {
        ApplicationContext ctx = service.context();
        return new OutboxRelay(ctx.getBean(OutboxLeases.class), ctx.getBean(JobsClient.class),
                ctx.getBean(OutboxRelaySettings.class), ctx.getBean(JsonMapper.class), Clock.systemUTC(),
                ctx.getBean(MeterRegistry.class), Duration.ofSeconds(5), null);
    }
}
