package dev.ballast.e2e;

import dev.ballast.e2e.BallastSystem.Workspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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

import static dev.ballast.e2e.BallastSystem.WEBHOOK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * What the end-to-end scenario classes share: delivering replies to a running {@link BallastSystem}, waiting for
 * their jobs, counting what the database holds, and the {@code RESULT e2e_<scenario>_lost/_duplicated} lines.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class SystemScenarios {

    /** jobs-service: jobs cut off by an outage come back in seconds instead of after the production backoff. */
    static final Map<String, String> QUICK_JOB_RETRIES = Map.of("JOBS_EMAIL_INBOUND_BACKOFF_BASE", "1s",
            "JOBS_EMAIL_INBOUND_BACKOFF_CAP", "5s", "JOBS_EMAIL_INBOUND_MAX_ATTEMPTS", "30", "JOBS_LEASE", "6s",
            "JOBS_RESCUE_INTERVAL", "1s");
    /** webhook-service: outbox rows refused during an outage are relayed again within seconds. */
    static final Map<String, String> QUICK_RELAY_RETRIES = Map.of("OUTBOX_RELAY_BACKOFF_BASE", "200ms",
            "OUTBOX_RELAY_BACKOFF_CAP", "2s");

    static final String JOB_TYPE = "email-inbound-post-process";
    static final Path RESULTS = Path.of(System.getProperty("ballast.root", "..")).toAbsolutePath().normalize()
            .resolve("e2e/target/e2e-results.txt");

    /** The system under test; the subclass starts it before its scenarios and closes it after them. */
    protected BallastSystem system;

    @AfterAll
    void stop() {
        if (system != null) {
            system.close();
        }
    }

    /**
     * A duplicate storm: 50 replies delivered ten times each, shuffled, 32 at once. Every delivery answers 200, and
     * the database and the sandbox hold 50 messages, 50 jobs, 50 drafts and notices, 50 Slack posts and two AI calls
     * per message: no more.
     */
    void duplicateStorm(String name, String ebWorkspace, long firstId, long seed, String scenario) throws Exception {
        Workspace ws = system.createWorkspace(name, ebWorkspace, "loc-" + name);
        system.resetSandboxCounts();
        List<Long> replyIds = ids(firstId, 50);
        List<Long> deliveries = new ArrayList<>();
        replyIds.forEach(id -> deliveries.addAll(Collections.nCopies(10, id)));
        Collections.shuffle(deliveries, new Random(seed));

        Map<String, AtomicInteger> answers = deliverConcurrently(ws, ebWorkspace, deliveries, 32);

        assertThat(answers.keySet()).as("every delivery answered 200").containsOnly("accepted", "duplicate");
        assertThat(answers.get("accepted").get()).isEqualTo(50);
        awaitJobsDone(ws, 50);
        assertThat(countMessages(ws)).isEqualTo(50);
        assertThat(countAnnotations(ws, "ai-draft")).isEqualTo(50);
        assertThat(countAnnotations(ws, "slack-notice")).isEqualTo(50);
        assertThat(system.sandboxServed(ws, "slack")).as("Slack posts in the sandbox").isEqualTo(50);
        assertThat(system.sandboxServed(ws, "ai")).as("AI calls: sentiment and draft per message").isEqualTo(100);
        report(scenario, ws, replyIds);
    }

    /** What a paced run does just before its delivery number {@code index}: cut the database, kill a process. */
    @FunctionalInterface
    interface BeforeDelivery {
        void at(int index) throws Exception;
    }

    /**
     * Delivers one EmailBison reply per entry of {@code replyIds}, {@code pauseMillis} apart (up to 16 in flight),
     * running {@code before} ahead of each; answers each delivery's status by reply id.
     */
    Map<Long, Integer> deliverPaced(Workspace ws, String ebWorkspace, List<Long> replyIds, long pauseMillis,
                                    BeforeDelivery before) throws Exception {
        Map<Long, Integer> statuses = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(16)) {
            List<Future<?>> sent = new ArrayList<>();
            for (int i = 0; i < replyIds.size(); i++) {
                long id = replyIds.get(i);
                before.at(i);
                sent.add(pool.submit(() -> statuses.put(id, system.send("POST", WEBHOOK, "/webhooks/email/" + ws.id(),
                        reply(ebWorkspace, id), ws.intakeToken()).statusCode())));
                Thread.sleep(pauseMillis);
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
        return statuses;
    }

    /**
     * Every delivery was stored or refused as worth retrying, and {@code while} refused some: those are delivered
     * again, as the provider would, until stored. Answers the refused ones.
     */
    List<Long> redeliverRefused(Workspace ws, String ebWorkspace, Map<Long, Integer> statuses, String during) {
        assertThat(statuses.values()).as("stored, or refused as worth retrying").containsOnly(200, 503);
        List<Long> refused = statuses.entrySet().stream().filter(e -> e.getValue() != 200).map(Map.Entry::getKey)
                .sorted().toList();
        assertThat(refused).as("deliveries refused " + during).isNotEmpty();
        for (long id : refused) {
            await().atMost(Duration.ofSeconds(30)).until(() -> system.send("POST", WEBHOOK, "/webhooks/email/" + ws.id(),
                    reply(ebWorkspace, id), ws.intakeToken()).statusCode() == 200);
        }
        return refused;
    }

    /** Delivers one EmailBison reply per entry of {@code replyIds} with {@code concurrency} at once; answers by status. */
    Map<String, AtomicInteger> deliverConcurrently(Workspace ws, String ebWorkspace, List<Long> replyIds,
                                                   int concurrency) throws Exception {
        Map<String, AtomicInteger> answers = new ConcurrentHashMap<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(concurrency)) {
            List<Future<?>> sent = new ArrayList<>();
            for (long id : replyIds) {
                sent.add(pool.submit(() -> {
                    HttpResponse<String> r = system.send("POST", WEBHOOK, "/webhooks/email/" + ws.id(),
                            reply(ebWorkspace, id), ws.intakeToken());
                    String status = r.statusCode() == 200
                            ? BallastSystem.field(r.body(), "\"status\"\\s*:\\s*\"([a-z]+)\"") : "http_" + r.statusCode();
                    answers.computeIfAbsent(status, k -> new AtomicInteger()).incrementAndGet();
                }));
            }
            for (Future<?> f : sent) {
                f.get();
            }
        }
        return answers;
    }

    static String reply(String ebWorkspace, long replyId) {
        return """
                {"event":{"type":"LEAD_REPLIED","name":"Lead Replied","instance_url":"https://app.emailbison.com",
                  "workspace_id":%s,"workspace_name":"Acme"},
                 "data":{"reply":{"id":%d,"email_subject":"Re: our call","text_body":"Call me tomorrow",
                   "from_email_address":"lead%d@example.com","date_received":"2026-12-04T10:00:00.000000Z"},
                  "lead":{"id":%d,"email":"lead%d@example.com","first_name":"Lee"}}}
                """.formatted(ebWorkspace, replyId, replyId, replyId, replyId);
    }

    void awaitJobsDone(Workspace ws, int expected) {
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(500)).until(() ->
                system.db.count("SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?::uuid AND type = ?"
                        + " AND status = 'succeeded'", ws.id(), JOB_TYPE) >= expected);
        assertThat(system.db.count("SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?::uuid AND type = ?",
                ws.id(), JOB_TYPE)).as("one job per message").isEqualTo(expected);
        assertThat(system.db.count("SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?::uuid AND status <> 'succeeded'",
                ws.id())).as("no job dead, cancelled or pending").isZero();
    }

    long finishedJobs(Workspace ws) {
        return system.db.count("SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?::uuid AND status = 'succeeded'",
                ws.id());
    }

    long countMessages(Workspace ws) {
        return system.db.count("SELECT count(*) FROM webhook.messages WHERE workspace_id = ?::uuid", ws.id());
    }

    long countAnnotations(Workspace ws, String kind) {
        return system.db.count("SELECT count(*) FROM webhook.message_annotations a JOIN webhook.messages m"
                + " ON m.id = a.message_id WHERE m.workspace_id = ?::uuid AND a.kind = ?", ws.id(), kind);
    }

    /** The scenario's RESULT lines, from the database: replies never stored, and replies stored more than once. */
    void report(String scenario, Workspace ws, List<Long> replyIds) throws IOException {
        long distinct = replyIds.stream().distinct().count();
        List<Map<String, Object>> rows = system.db.query("SELECT external_id, count(*) AS n FROM webhook.messages"
                + " WHERE workspace_id = ?::uuid GROUP BY external_id", ws.id());
        long lost = distinct - rows.size();
        long duplicated = rows.stream().mapToLong(r -> ((Number) r.get("n")).longValue() - 1).sum();
        String lines = "RESULT e2e_" + scenario + "_lost " + lost + " messages\n"
                + "RESULT e2e_" + scenario + "_duplicated " + duplicated + " messages\n";
        System.out.print(lines);
        appendResults(lines);
        assertThat(lost).as("lost").isZero();
        assertThat(duplicated).as("duplicated").isZero();
    }

    /** Appends RESULT lines to e2e/target/e2e-results.txt, which bench/e2e/run and readers of a CI log pick up. */
    static void appendResults(String lines) {
        try {
            Files.createDirectories(RESULTS.getParent());
            Files.writeString(RESULTS, lines, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<Long> ids(long from, int n) {
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            ids.add(from + i);
        }
        return ids;
    }
}
