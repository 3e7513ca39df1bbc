package dev.ballast.webhook.outbox;

import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The relay called directly (scheduling off): several relay instances on one database, and permanent refusals. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxRelayClaimsTest {


    private JobsServiceStandIn jobs;
    private RunningWebhookService service;

    @BeforeAll
    void start() {
        jobs = new JobsServiceStandIn();
        service = RunningWebhookService.start(Map.of(
                "micronaut.http.services.jobs.url", jobs.url(),
                "ballast.clients.jobs.deadline", "5s",
                "ballast.webhook.outbox.relay.lease", "30s",
                "ballast.webhook.outbox.relay.batch-size", "5",
                "ballast.webhook.outbox.relay.in-flight", "3"));
    }

    @AfterAll
    void stop() {
        service.close();
        jobs.close();
    }

    @BeforeEach
    void jobsServiceUp() {
        jobs.accepting();
    }

    @Test
    void relayInstancesRunningAtOnceNeverSendTheSameRowTwice() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        for (int i = 0; i < 40; i++) {
            service.acceptNewReply(ws);
        }
        // slow answers keep claims overlapping
        jobs.accepting(30);
        List<OutboxRelay> relays = List.of(service.context().getBean(OutboxRelay.class), newRelay(), newRelay());
        CountDownLatch go = new CountDownLatch(1);
        Instant deadline = Instant.now().plusSeconds(60);
        List<Future<?>> running = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (OutboxRelay relay : relays) {
                for (int t = 0; t < 2; t++) {
                    running.add(threads.submit(() -> {
                        go.await();
                        while (service.undeliveredOutboxRows(ws.id()) > 0 && Instant.now().isBefore(deadline)) {
                            relay.relayOnce();
                        }
                        return null;
                    }));
                }
            }
            go.countDown();
            for (Future<?> f : running) {
                f.get();
            }
        }

        assertThat(service.undeliveredOutboxRows(ws.id())).isZero();
        List<String> keys = keys(ws.id());
        assertThat(keys).hasSize(40);
        assertThat(jobs.postsPerKey(keys)).hasSize(40).allSatisfy((key, posts) -> assertThat(posts).as(key).isEqualTo(1));
        assertThat(jobs.acceptedPerKey(keys)).hasSize(40).allSatisfy((key, ok) -> assertThat(ok).as(key).isEqualTo(1));
    }

    @Test
    void aJobRefusedAsInvalidIsParkedNotRetriedForever() {
        TestWorkspace ws = service.createWorkspace();
        service.acceptNewReply(ws);
        service.acceptNewReply(ws);
        List<String> keys = keys(ws.id());
        String refused = keys.getFirst();
        jobs.refuse(refused);
        MeterRegistry meters = service.context().getBean(MeterRegistry.class);
        double parkedBefore = meters.counter("ballast.outbox.parked").count();
        OutboxRelay relay = service.context().getBean(OutboxRelay.class);

        for (int i = 0; i < 5; i++) {
            relay.relayOnce();
        }

        Map<String, Object> row = service.query(
                "SELECT attempts, last_error, parked_at, delivered_at FROM webhook.outbox WHERE dedupe_key = ?", refused).getFirst();
        assertThat(row.get("parked_at")).isNotNull();
        assertThat(row.get("delivered_at")).isNull();
        assertThat(row.get("attempts")).isEqualTo(1);
        assertThat(row.get("last_error")).isEqualTo("jobs-service answered 422");
        assertThat(jobs.postsPerKey(keys)).containsEntry(refused, 1L).containsEntry(keys.get(1), 1L);
        assertThat(service.undeliveredOutboxRows(ws.id())).isEqualTo(1);
        assertThat(meters.counter("ballast.outbox.parked").count()).isEqualTo(parkedBefore + 1);
        // a parked row no longer counts as waiting
        assertThat(service.count("SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? AND delivered_at IS NULL "
                + "AND parked_at IS NULL", ws.id())).isZero();
    }

    @Test
    void rowsClaimedByAReplicaThatDiedComeBackWhenTheLeaseEndsAndItsLateWritesChangeNothing() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        service.acceptNewReply(ws);
        String key = keys(ws.id()).getFirst();
        OutboxLeases leases = service.context().getBean(OutboxLeases.class);
        OutboxRelay relay = service.context().getBean(OutboxRelay.class);
        // a replica claims the row and dies before sending it
        OutboxLeases.Claimed lost = leases.claim(100, Duration.ofMillis(500)).stream()
                .filter(c -> c.dedupeKey().equals(key)).findFirst().orElseThrow();

        relay.relayOnce();
        assertThat(jobs.postsPerKey(List.of(key))).isEmpty();

        await().atMost(Duration.ofSeconds(10)).until(() -> {
            relay.relayOnce();
            return service.undeliveredOutboxRows(ws.id()) == 0;
        });
        // the dead replica's late writes are guarded by its lease token: the delivered row stays as it is
        leases.recordFailure(lost, "late", Duration.ofMinutes(1));
        leases.release(lost);
        leases.park(lost, "late");
        Map<String, Object> row = service.query(
                "SELECT attempts, last_error, parked_at, delivered_at FROM webhook.outbox WHERE dedupe_key = ?", key).getFirst();
        assertThat(row.get("delivered_at")).isNotNull();
        assertThat(row.get("parked_at")).isNull();
        assertThat(row.get("attempts")).isEqualTo(0);
        assertThat(row.get("last_error")).isNull();
        assertThat(jobs.postsPerKey(List.of(key))).containsExactly(Map.entry(key, 1L));
    }

    private OutboxRelay newRelay() {
        ApplicationContext ctx = service.context();
        return new OutboxRelay(ctx.getBean(OutboxLeases.class), ctx.getBean(JobsClient.class),
                ctx.getBean(OutboxRelaySettings.class), ctx.getBean(JsonMapper.class), Clock.systemUTC(),
                ctx.getBean(MeterRegistry.class), Duration.ofSeconds(5), null);
    }

    private List<String> keys(UUID workspace) {
        return service.query("SELECT dedupe_key FROM webhook.outbox WHERE workspace_id = ? ORDER BY id", workspace)
                .stream().map(r -> (String) r.get("dedupe_key")).toList();
    }
}
