package dev.ballast.webhook.intake;

import com.zaxxer.hikari.HikariDataSource;
import dev.ballast.resilience.db.JdbcRunner;
import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Real database faults through a TCP proxy: whatever happens, a delivery is either stored and answered 200,
 * or not stored and answered with the status that makes its provider deliver it again.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DatabaseFaultsTest {

    private RunningWebhookService service;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start(intakeMode(), true);
    }

    /** Properties that choose where a delivery's JDBC work runs; the default: virtual threads. */
    Map<String, Object> intakeMode() {
        return Map.of();
    }

    @AfterEach
    void restore() {
        service.proxy().restore();
        await().atMost(Duration.ofSeconds(30)).until(() -> service.get("/health/readiness").statusCode() == 200);
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void aDatabaseCutDuringAConcurrentRunStoresEveryDeliveryOnceOrAsksForItAgain() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        int total = 300;
        Map<Integer, HttpResponse<String>> answers = new ConcurrentHashMap<>();
        AtomicInteger refusedDuringCut = new AtomicInteger();
        Semaphore concurrency = new Semaphore(16);
        double inDoubtBefore = inDoubt();
        List<Future<?>> sends = new ArrayList<>();
        try (ExecutorService senders = Executors.newVirtualThreadPerTaskExecutor()) {
            Future<?> driver = senders.submit(() -> {
                for (int id = 1; id <= total; id++) {
                    int n = id;
                    concurrency.acquireUninterruptibly();
                    sends.add(senders.submit(() -> {
                        try {
                            HttpResponse<String> r = deliver(ws, n);
                            answers.put(n, r);
                            if (r.statusCode() != 200) {
                                refusedDuringCut.incrementAndGet();
                            }
                        } finally {
                            concurrency.release();
                        }
                    }));
                }
            });
            await().atMost(Duration.ofSeconds(30)).until(() -> answers.size() >= 60);
            service.proxy().cut();
            await().atMost(Duration.ofSeconds(30)).until(() -> refusedDuringCut.get() >= 20);
            service.proxy().restore();
            driver.get(60, TimeUnit.SECONDS);
        }
        for (Future<?> f : sends) {
            f.get(60, TimeUnit.SECONDS);
        }

        assertThat(answers).hasSize(total);
        Set<String> stored = storedExternalIds(ws);
        Set<Integer> refused = new HashSet<>();
        answers.forEach((id, r) -> {
            if (r.statusCode() == 200) {
                assertThat(stored).as("answered 200 but not stored: %d", id).contains(externalId(id));
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(id % 2 == 0 ? 503 : 429);
                assertThat(r.headers().firstValue("Retry-After")).isPresent();
                assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                        t -> assertThat(t).startsWith("application/problem+json"));
                refused.add(id);
            }
        });
        assertThat(refused).hasSizeGreaterThanOrEqualTo(20);
        // Only a commit whose acknowledgement the cut swallowed can be stored yet refused; the service counts those.
        long storedButRefused = refused.stream().filter(id -> stored.contains(externalId(id))).count();
        assertThat((double) storedButRefused).isLessThanOrEqualTo(inDoubt() - inDoubtBefore);

        for (int id : refused) {
            await().atMost(Duration.ofSeconds(30)).until(() -> deliver(ws, id).statusCode() == 200);
        }
        assertThat(storedExternalIds(ws)).hasSize(total);
        assertThat(service.messages(ws.id())).isEqualTo(total);
        assertThat(service.outboxRows(ws.id())).isEqualTo(total);
        assertThat(service.count("SELECT count(*) FROM (SELECT external_id FROM webhook.messages WHERE workspace_id = ? "
                + "GROUP BY external_id HAVING count(*) > 1) d", ws.id())).isZero();
    }

    @Test
    void withThePoolExhaustedGhlGets429AndEmailBison503InsideTheBudgetAndNothingIsStored() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        HikariDataSource pool = (HikariDataSource) service.bean(JdbcRunner.class).dataSource();
        List<Connection> held = new ArrayList<>();
        try {
            for (int i = 0; i < pool.getMaximumPoolSize(); i++) {
                held.add(pool.getConnection());
            }
            long t0 = System.nanoTime();
            HttpResponse<String> ghl = deliver(ws, 1);
            HttpResponse<String> email = deliver(ws, 2);
            long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            assertThat(ghl.statusCode()).as(ghl.body()).isEqualTo(429);
            assertThat(email.statusCode()).as(email.body()).isEqualTo(503);
            assertThat(email.headers().firstValue("Retry-After")).hasValue("10");
            assertThat(service.json(email).get("reason").getStringValue()).isEqualTo("database_unavailable");
            assertThat(elapsedMs).isLessThan(2 * 4_500);
        } finally {
            for (Connection c : held) {
                c.close();
            }
        }
        // The log rows of these two were best-effort and found no connection either: only the answers tell.
        assertThat(service.messages(ws.id())).isZero();
        assertThat(service.leads(ws.id())).isZero();
        assertThat(deliver(ws, 1).statusCode()).isEqualTo(200);
        assertThat(deliver(ws, 2).statusCode()).isEqualTo(200);
    }

    @Test
    void aDeliveryThatCannotBeStoredWithinTheTimeBudgetIsRolledBackAndRefused() throws Exception {
        TestWorkspace ws = service.createWorkspace();
        HttpResponse<String> refused;
        long elapsedMs;
        try (Connection locker = service.database().connect(); Statement st = locker.createStatement()) {
            locker.setAutoCommit(false);
            st.execute("LOCK TABLE webhook.messages IN EXCLUSIVE MODE");
            long t0 = System.nanoTime();
            refused = deliver(ws, 2);
            elapsedMs = (System.nanoTime() - t0) / 1_000_000;
            locker.rollback();
        }
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(service.json(refused).get("reason").getStringValue()).isEqualTo("time_budget_spent");
        // The 2 s budget, not the 10 s default statement timeout; the upper bound leaves room for a loaded machine.
        assertThat(elapsedMs).isBetween(1_500L, 4_500L);
        // The lead was upserted before the message insert waited: it was rolled back with it.
        assertThat(service.leads(ws.id())).isZero();
        assertThat(service.messages(ws.id())).isZero();
        await().atMost(Duration.ofSeconds(10)).until(() -> service.count("SELECT count(*) FROM webhook.webhook_deliveries "
                + "WHERE workspace_id = ? AND reason = 'time_budget_spent'", ws.id()) == 1);
        assertThat(deliver(ws, 2).statusCode()).isEqualTo(200);
    }

    @Test
    void aFrozenDatabaseIsAnsweredInsideTheBudgetAndTheRedeliveryIsStored() {
        TestWorkspace ws = service.createWorkspace();
        service.proxy().freeze();
        long t0 = System.nanoTime();
        HttpResponse<String> refused = deliver(ws, 4);
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        service.proxy().restore();
        assertThat(refused.statusCode()).as(refused.body()).isEqualTo(503);
        assertThat(elapsedMs).isLessThan(4_500L);
        await().atMost(Duration.ofSeconds(30)).until(() -> deliver(ws, 4).statusCode() == 200);
        assertThat(service.messages(ws.id())).isEqualTo(1);
    }

    @Test
    void annotationsAskedForWhileTheDatabaseIsCutOrFrozenAre503AndTheirRepeatLeavesOneRowPerKind() {
        TestWorkspace ws = service.createWorkspace();
        long messageId = service.json(deliver(ws, 6)).get("messageId").getLongValue();
        String one = "/messages/" + messageId + "/annotations/sentiment";
        String several = "/messages/" + messageId + "/annotations";
        String sentiment = "{\"label\":\"positive\"}";
        String both = "{\"sentiment\":" + sentiment + ",\"ai-draft\":\"hi\"}";

        // refused at once: no statement reached PostgreSQL
        refusedDuring(() -> service.proxy().cut(), ws, one, sentiment, several, both);
        assertThat(annotationRows(messageId)).isZero();

        // frozen: a statement sent before the answer may still run once the database wakes (in doubt), so the
        // caller repeats the same PUT, which changes nothing when it did
        refusedDuring(() -> service.proxy().freeze(), ws, one, sentiment, several, both);
        await().atMost(Duration.ofSeconds(30)).until(() -> annotate(ws, several, both).statusCode() == 200);
        assertThat(annotate(ws, one, sentiment).statusCode()).isEqualTo(200);
        assertThat(service.query("SELECT kind, CAST(value AS text) AS value FROM webhook.message_annotations "
                + "WHERE message_id = ? ORDER BY kind", messageId)).containsExactly(
                Map.of("kind", "ai-draft", "value", "\"hi\""),
                Map.of("kind", "sentiment", "value", "{\"label\": \"positive\"}"));
    }

    /** Both annotation calls made during {@code fault} answered 503 problem+json with Retry-After. */
    private void refusedDuring(Runnable fault, TestWorkspace ws, String onePath, String oneBody, String severalPath,
                                  String severalBody) {
        fault.run();
        List<HttpResponse<String>> refused;
        try {
            refused = List.of(annotate(ws, onePath, oneBody), annotate(ws, severalPath, severalBody));
        } finally {
            service.proxy().restore();
        }
        assertThat(refused).allSatisfy(r -> {
            assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
            assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                    t -> assertThat(t).startsWith("application/problem+json"));
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
        });
        await().atMost(Duration.ofSeconds(30)).until(() -> service.get("/health/readiness").statusCode() == 200);
    }

    private long annotationRows(long messageId) {
        return service.count("SELECT count(*) FROM webhook.message_annotations WHERE message_id = ?", messageId);
    }

    private HttpResponse<String> annotate(TestWorkspace ws, String path, String body) {
        return service.put(path, body, "Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN,
                "X-Workspace-Id", ws.id().toString());
    }

    /** Even ids are EmailBison replies, odd ids GHL messages. */
    private HttpResponse<String> deliver(TestWorkspace ws, int id) {
        return id % 2 == 0
                ? service.post(ws.emailPath(), Deliveries.reply(id, "lead" + id + "@example.com"), ws.bearer())
                : service.post(ws.ghlPath(), Deliveries.ghlInbound("sms-" + id, "contact-" + id, "hi " + id), ws.bearer());
    }

    private static String externalId(int id) {
        return id % 2 == 0 ? "reply:" + id + "@app.emailbison.com" : "message:sms-" + id;
    }

    private Set<String> storedExternalIds(TestWorkspace ws) {
        return service.query("SELECT external_id FROM webhook.messages WHERE workspace_id = ?", ws.id()).stream()
                .map(r -> (String) r.get("external_id")).collect(Collectors.toSet());
    }

    private double inDoubt() {
        return service.context().getBean(MeterRegistry.class).find("webhook.intake.commit.in_doubt").counters()
                .stream().mapToDouble(Counter::count).sum();
    }
}
