package dev.ballast.webhook.intake;

import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Providers deliver the same thing many times at once: it is stored once, and every delivery gets 200. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ConcurrentDeliveriesTest {

    private RunningWebhookService service;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start(intakeMode());
    }

    /** Properties that choose where a delivery's JDBC work runs; the default: virtual threads. */
    Map<String, Object> intakeMode() {
        return Map.of();
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void twoHundredConcurrentDeliveriesOfTheSameReplyStoreOneMessageAndOneOutboxRowPerJobType() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        String body = Deliveries.reply(777, "jane@example.com");
        int deliveries = 200;
        CountDownLatch ready = new CountDownLatch(deliveries);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < deliveries; i++) {
                answers.add(senders.submit(() -> {
                    ready.countDown();
                    go.await();
                    return service.post(ws.emailPath(), body, ws.bearer());
                }));
            }
            assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
            go.countDown();
        }

        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Future<HttpResponse<String>> f : answers) {
            responses.add(f.get(60, TimeUnit.SECONDS));
        }
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        Map<String, Long> statuses = responses.stream().collect(Collectors.groupingBy(
                r -> service.json(r).get("status").getStringValue(), Collectors.counting()));
        assertThat(statuses).containsEntry("accepted", 1L).containsEntry("duplicate", 199L);
        assertThat(responses.stream().map(r -> service.json(r).get("messageId").getLongValue()).distinct()).hasSize(1);
        assertThat(service.messages(ws.id())).isEqualTo(1);
        assertThat(service.leads(ws.id())).isEqualTo(1);
        assertThat(service.query("SELECT job_type, count(*) AS n FROM webhook.outbox WHERE workspace_id = ? GROUP BY job_type",
                ws.id())).containsExactly(Map.of("job_type", "email-inbound-post-process", "n", 1L));
        assertThat(service.count("SELECT count(*) FROM webhook.webhook_deliveries WHERE workspace_id = ?", ws.id()))
                .isEqualTo(deliveries);
    }

    @Test
    void aThousandDeliveriesOfAHundredIdsInRandomOrderAtConcurrency32StoreExactlyAHundredMessages() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        List<Integer> order = new ArrayList<>();
        for (int round = 0; round < 10; round++) {
            for (int id = 1; id <= 100; id++) {
                order.add(id);
            }
        }
        Collections.shuffle(order, new Random(42));
        Semaphore concurrency = new Semaphore(32);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int id : order) {
                // Half the leads share an address: lead upserts race as well as message inserts.
                String body = id % 2 == 0 ? Deliveries.reply(id, "lead" + id + "@example.com")
                        : Deliveries.ghlInbound("sms-" + id, "contact-" + (id % 7), "message " + id);
                String path = id % 2 == 0 ? ws.emailPath() : ws.ghlPath();
                concurrency.acquire();
                answers.add(senders.submit(() -> {
                    try {
                        return service.post(path, body, ws.bearer());
                    } finally {
                        concurrency.release();
                    }
                }));
            }
        }
        List<HttpResponse<String>> responses = new ArrayList<>();
        for (Future<HttpResponse<String>> f : answers) {
            responses.add(f.get(60, TimeUnit.SECONDS));
        }
        assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).as(r.body()).isEqualTo(200));
        assertThat(responses.stream().filter(r -> service.json(r).get("status").getStringValue().equals("accepted")))
                .hasSize(100);
        assertThat(service.messages(ws.id())).isEqualTo(100);
        assertThat(service.outboxRows(ws.id())).isEqualTo(100);
        assertThat(service.leads(ws.id())).isEqualTo(50 + 7);
        assertThat(service.count("SELECT count(DISTINCT dedupe_key) FROM webhook.outbox WHERE workspace_id = ?", ws.id()))
                .isEqualTo(100);
        Map<String, Long> perId = responses.stream().collect(Collectors.groupingBy(
                r -> Long.toString(service.json(r).get("messageId").getLongValue()), Collectors.counting()));
        assertThat(perId).hasSize(100).allSatisfy((id, n) -> assertThat(n).isEqualTo(10L));
    }
}
