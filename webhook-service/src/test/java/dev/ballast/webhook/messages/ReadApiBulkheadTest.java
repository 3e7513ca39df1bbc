package dev.ballast.webhook.messages;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.resilience.db.JdbcRunner;
import dev.ballast.testsupport.LogCapture;
import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The internal read/annotate API holds at most {@code max-concurrent} of the pool's connections whatever its callers
 * do, so the webhook intake keeps the rest. Annotations are held up for real: a connection of the test's own locks
 * the annotation table, so every annotate call that got in waits on PostgreSQL holding its pooled connection.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadApiBulkheadTest {

    private static final int POOL = 4;
    private static final int PLACES = 2;
    private static final AtomicLong REPLY_IDS = new AtomicLong(5_000_000);

    private RunningWebhookService service;
    private TestWorkspace ws;
    private long messageId;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start(Map.of(
                "datasources.default.maximum-pool-size", POOL,
                "ballast.webhook.read-api.max-concurrent", PLACES,
                "ballast.webhook.read-api.max-wait", "300ms",
                "ballast.webhook.read-api.busy-retry-after", "2s",
                // Held-up calls wait for the test to release its lock, not for a deadline.
                "ballast.http.deadlines.api", "60s",
                "ballast.db.statement-timeout", "60s",
                "ballast.db.network-timeout", "90s"));
        ws = service.createWorkspace();
        messageId = service.acceptNewReply(ws);
        assertThat(((HikariDataSource) service.bean(JdbcRunner.class).dataSource()).getMaximumPoolSize()).isEqualTo(POOL);
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void signedDeliveriesAreStoredWhileManySlowAnnotationCallsSaturateTheReadApi() throws Exception {
        long before = service.messages(ws.id());
        List<Future<HttpResponse<String>>> annotations = new ArrayList<>();
        List<HttpResponse<String>> deliveries = new ArrayList<>();
        try (Connection lock = service.connect(); ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            holdAnnotations(lock);
            try {
                // Three times the pool: without the bulkhead these alone would hold every connection.
                for (int i = 0; i < 3 * POOL; i++) {
                    String kind = "saturate-" + i;
                    annotations.add(callers.submit(() -> annotate(kind)));
                }
                awaitHeldUpAnnotations();
                // Every call has had its chance at a connection: all but those the lock holds up have ended (refused,
                // or, without the bulkhead, out of pooled connections), so the pool is as full as they can make it.
                await().atMost(Duration.ofSeconds(30)).until(
                        () -> annotations.stream().filter(Future::isDone).count() >= 3 * POOL - POOL);
                for (int i = 0; i < 5; i++) {
                    String body = Deliveries.reply(REPLY_IDS.incrementAndGet(), "saturated@example.com");
                    deliveries.add(service.post(ws.emailPath(), body, Deliveries.signed(body, ws.signingSecret())));
                }
            } finally {
                lock.rollback();
            }
        }
        assertThat(deliveries).allSatisfy(r -> {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(service.json(r).get("status").getStringValue()).isEqualTo("accepted");
        });
        assertThat(service.messages(ws.id())).isEqualTo(before + 5);
        for (Future<HttpResponse<String>> f : annotations) {
            assertThat(f.get(60, TimeUnit.SECONDS).statusCode()).isIn(200, 503);
        }
    }

    @Test
    void callsBeyondThePlacesAndTheWaitGet503ReadApiBusyAndWriteNothing() throws Exception {
        double rejectedBefore = rejected();
        List<Future<HttpResponse<String>>> admitted = new ArrayList<>();
        List<HttpResponse<String>> refused = new ArrayList<>();
        try (Connection lock = service.connect(); ExecutorService callers = Executors.newVirtualThreadPerTaskExecutor()) {
            holdAnnotations(lock);
            try {
                for (int i = 0; i < PLACES; i++) {
                    String kind = "admitted-" + i;
                    admitted.add(callers.submit(() -> annotate(kind)));
                }
                awaitHeldUpAnnotations();
                for (int i = 0; i < 3; i++) {
                    refused.add(annotate("refused-" + i));
                }
                refused.add(read("/messages/" + messageId));
                refused.add(service.put("/messages/" + messageId + "/annotations", "{\"refused-all\":1}",
                        serviceToken()));
            } finally {
                lock.rollback();
            }
        }
        assertThat(refused).allSatisfy(r -> {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(r.headers().firstValue("Retry-After")).hasValue("2");
            assertThat(service.json(r).get("reason").getStringValue()).isEqualTo(ReadApiBulkhead.REASON);
        });
        for (Future<HttpResponse<String>> f : admitted) {
            HttpResponse<String> r = f.get(60, TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        assertThat(service.count("SELECT count(*) FROM webhook.message_annotations WHERE message_id = ? "
                + "AND kind LIKE 'refused-%'", messageId)).isZero();
        assertThat(service.count("SELECT count(*) FROM webhook.message_annotations WHERE message_id = ? "
                + "AND kind LIKE 'admitted-%'", messageId)).isEqualTo(PLACES);
        assertThat(rejected() - rejectedBefore).isEqualTo(5.0);
    }

    @Test
    void placesAreFreedWhenCallsFailSoTheApiStillAnswersAfterManyErrors() {
        String missing = "/messages/999999999";
        for (int round = 0; round < 3 * PLACES; round++) {
            assertThat(read(missing).statusCode()).isEqualTo(404);
            assertThat(service.put(missing + "/annotations/x", "{}", serviceToken()).statusCode()).isEqualTo(404);
            assertThat(annotate("Bad Kind").statusCode()).isEqualTo(400);
            assertThat(service.put("/messages/" + messageId + "/annotations/x", "{\"a\":", serviceToken()).statusCode())
                    .isEqualTo(400);
            assertThat(service.get("/messages/" + messageId, "Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN,
                    "X-Workspace-Id", "not-a-uuid").statusCode()).isEqualTo(400);
            assertThat(read("/leads/999999999/messages").statusCode()).isEqualTo(404);
            assertThat(read("/leads/999999999/booking").statusCode()).isEqualTo(404);
        }
        assertThat(service.bean(ReadApiBulkhead.class).inUse()).isZero();
        HttpResponse<String> ok = annotate("after-errors");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(read("/messages/" + messageId).statusCode()).isEqualTo(200);
    }

    @Test
    void startupWarnsWhenTheReadApiMayTakeTheWholePool() {
        try (LogCapture logs = LogCapture.start();
             RunningWebhookService whole = RunningWebhookService.start(Map.of(
                     "datasources.default.maximum-pool-size", 3, "ballast.webhook.read-api.max-concurrent", 3))) {
            assertThat(whole.bean(ReadApiBulkhead.class).inUse()).isZero();
            assertThat(logs.lines()).filteredOn(l -> l.startsWith("WARN " + ReadApiBulkhead.class.getName()))
                    .singleElement().asString()
                    .contains("WEBHOOK_READ_MAX_CONCURRENT (3) >= DATABASE_POOL_MAX_SIZE (3)");
        }
    }

    /** Until the transaction ends, every annotate statement waits on PostgreSQL; reads and the intake do not. */
    private static void holdAnnotations(Connection lock) throws Exception {
        lock.setAutoCommit(false);
        try (Statement s = lock.createStatement()) {
            s.execute("LOCK TABLE webhook.message_annotations IN EXCLUSIVE MODE");
        }
    }

    /** As many annotate calls as there are places wait on the lock, each holding a pooled connection. */
    private void awaitHeldUpAnnotations() {
        await().atMost(Duration.ofSeconds(30)).until(() -> service.count(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'")
                >= PLACES);
    }

    private HttpResponse<String> annotate(String kind) {
        return service.put("/messages/" + messageId + "/annotations/" + kind.replace(" ", "%20"), "{\"label\":\"x\"}",
                serviceToken());
    }

    private HttpResponse<String> read(String path) {
        return service.get(path, serviceToken());
    }

    private String[] serviceToken() {
        return new String[] {"Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN,
                "X-Workspace-Id", ws.id().toString()};
    }

    private double rejected() {
        return service.context().getBean(MeterRegistry.class).counter(ReadApiBulkhead.REJECTED).count();
    }
}
