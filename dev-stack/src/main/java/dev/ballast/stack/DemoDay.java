package dev.ballast.stack;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * {@code ./stack demo}: a scripted day against the running stack, in a fresh workspace of its own. A burst of signed
 * and token-authenticated EmailBison replies and GHL SMS with provider retries and a few refused deliveries; the jobs
 * that follow (sentiment, draft, Slack notice in the sandbox); a context pack worked by insights-service's cron; a
 * Unipile account disconnected in the sandbox, found by two health-check ticks and alerted once; and a database
 * outage (the embedded PostgreSQL's processes stopped for a few seconds) with deliveries arriving meanwhile,
 * redelivered afterwards as providers do. Ends with a report checked in SQL: every external id stored once, one job
 * per message, Slack posts in the sandbox equal to the notices and alerts recorded. Exit 0 only when nothing was lost
 * or duplicated; the last line is the verdict.
 */
final class DemoDay {

    static final String VERDICT_OK = "demo: OK";
    static final String VERDICT_FAILED = "demo: FAILED";

    private static final int EMAILS = 10;
    private static final int SMS = 6;
    private static final int EMAIL_RETRIES = 4;
    private static final int SMS_RETRIES = 2;
    private static final int EMAILS_BEFORE_OUTAGE = 2;
    private static final int SMS_BEFORE_OUTAGE = 2;
    private static final int OUTAGE_EMAILS = 4;
    private static final int OUTAGE_SMS = 2;
    private static final Duration OUTAGE = Duration.ofSeconds(6);
    // A job the outage made fail runs again after its type's backoff, 30 s at most for the first retry.
    private static final Duration JOBS_WAIT = Duration.ofSeconds(60);
    private static final Duration RECOVERY_WAIT = Duration.ofSeconds(40);
    private static final List<String> INBOUND_JOBS = List.of("email-inbound-post-process", "sms-inbound-post-process");
    private static final int SANDBOX_CONTROL_PORT = 8091;

    private final StackPaths paths;
    private final Map<String, String> env;
    private final PrintStream out;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final long started = System.nanoTime();
    private final Random random = new Random();

    private Map<String, String> secrets;
    private StackState state;
    private UUID workspace;
    private String intakeToken;
    private String signingSecret;
    // Sandbox credentials of this run's workspace contain it: faults and the sandbox's counts name it.
    private String marker;
    private long ebWorkspaceId;
    private String ghlLocation;
    private int stage;

    // What was sent, and what the answers said.
    private final List<String> sentEmailIds = Collections.synchronizedList(new ArrayList<>());
    private final List<String> sentSmsIds = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, Integer> answers = Collections.synchronizedMap(new LinkedHashMap<>());
    private int deferred;
    private int sent;
    private int redelivered;
    private long alertPostsDuringDisconnect;
    private String packStatus = "not built";
    private String outageNote = "no outage";

    DemoDay(StackPaths paths, Map<String, String> env, PrintStream out) {
        this.paths = paths;
        this.env = env;
        this.out = out;
    }

    int run() {
        try {
            return day();
        } catch (StackException e) {
            out.println(VERDICT_FAILED + ": " + e.getMessage());
            return 1;
        }
    }

    private int day() {
        state = StackState.read(paths.stateFile()).orElseThrow(() -> new StackException(
                "no stack is running: start one with ./stack up (another terminal), then run ./stack demo"));
        for (StackState.Service s : state.services()) {
            if (readiness(s.port()) != 200) {
                throw new StackException(s.name() + " is not ready (" + s.url() + "/health/readiness): wait for"
                        + " ./stack up to print the status table, or see ./stack status");
            }
        }
        secrets = LocalSecrets.loadOrCreate(paths.secretsFile(), env);
        try {
            setUp();
            burst();
            jobsFollow();
            contextPack();
            providerDisconnect();
            databaseOutage();
            return report();
        } finally {
            // This run's faults only: a fault someone else switched on for another workspace stays.
            if (marker != null) {
                control("DELETE", "/faults?workspace=" + marker, null);
            }
        }
    }

    // ---- stages ------------------------------------------------------------------------------------------------

    private void setUp() {
        marker = "demoday" + Long.toHexString(random.nextLong() & 0xffffffffL);
        ebWorkspaceId = 100_000 + random.nextInt(900_000);
        ghlLocation = "loc-" + marker;
        Answer created = post(8081, "/admin/workspaces", "{\"name\":\"" + marker + "\",\"providerWorkspaceIds\":"
                + "{\"emailbison\":[\"" + ebWorkspaceId + "\"],\"ghl\":[\"" + ghlLocation + "\"]}}",
                Map.of("Authorization", "Bearer " + secrets.get("WEBHOOK_ADMIN_TOKEN")));
        expect(created, 201, "create the workspace");
        workspace = UUID.fromString(field(created.body, "\"workspace\"\\s*:\\s*\\{[^}]*?\"id\"\\s*:\\s*\"([0-9a-f-]{36})\""));
        intakeToken = field(created.body, "\"intakeToken\"\\s*:\\s*\"([^\"]+)\"");
        signingSecret = field(created.body, "\"signingSecret\"\\s*:\\s*\"([^\"]+)\"");
        Map<String, String> integrations = Map.of(
                "emailbison", "{\"token\":\"sandbox-emailbison-" + marker + "\"}",
                "ghl", "{\"token\":\"sandbox-ghl-" + marker + "\",\"accountId\":\"" + ghlLocation + "\"}",
                "slack", "{\"token\":\"xoxb-sandbox-" + marker + "\",\"channel\":\"#replies\",\"alertChannel\":\"#alerts\"}",
                "unipile", "{\"token\":\"sandbox-unipile-" + marker + "\",\"accountId\":\"acc-" + marker + "\"}");
        integrations.forEach((provider, body) -> expect(send("PUT", 8084, "/admin/workspaces/" + workspace
                        + "/integrations/" + provider, body,
                Map.of("Authorization", "Bearer " + secrets.get("INTEGRATIONS_ADMIN_TOKEN"))), 200,
                "connect " + provider));
        progress("workspace", "created " + workspace + " (EmailBison workspace " + ebWorkspaceId + ", GHL location "
                + ghlLocation + "), sandbox credentials for emailbison, ghl, slack, unipile");
    }

    private void burst() {
        List<Delivery> deliveries = new ArrayList<>();
        for (int i = 0; i < EMAILS; i++) {
            deliveries.add(email(i, i % 2 == 0));
        }
        for (int i = 0; i < SMS; i++) {
            deliveries.add(sms(i, i % 2 == 1));
        }
        List<Delivery> retries = new ArrayList<>();
        retries.addAll(deliveries.subList(0, EMAIL_RETRIES));
        retries.addAll(deliveries.subList(EMAILS, EMAILS + SMS_RETRIES));
        List<Delivery> refused = List.of(
                email(90, true).withHeader("webhook-signature", "v1," + Base64.getEncoder().encodeToString(new byte[32])),
                sms(91, false).withHeader("Authorization", "Bearer not-the-intake-token"),
                new Delivery("email", "/webhooks/email/" + workspace, "{\"event\":{\"type\":\"LEAD_REPLIED\"", bearer(), null),
                new Delivery("sms", "/webhooks/ghl/sms/" + workspace, "{\"type\":\"InboundMessage\",\"locationId\":\""
                        + ghlLocation + "\"}", bearer(), null));
        List<Delivery> all = new ArrayList<>(deliveries);
        all.addAll(retries);
        all.addAll(refused);
        Collections.shuffle(all, random);
        for (Delivery d : deliveries) {
            (d.channel.equals("email") ? sentEmailIds : sentSmsIds).add(d.externalId);
        }
        deliverAll(all, Duration.ofSeconds(10)).forEach(r -> count(r.answer));
        progress("burst", all.size() + " deliveries (" + EMAILS + " EmailBison replies, " + SMS + " GHL SMS, half signed "
                + "with the whsec_ secret, half with the intake token; " + retries.size() + " provider retries; "
                + refused.size() + " refused: bad signature, bad token, malformed) -> " + tally());
    }

    private void jobsFollow() {
        awaitJobsFinished(JOBS_WAIT);
        Map<String, Long> jobs = jobStatuses();
        long drafts = scalar("SELECT count(*) FROM webhook.message_annotations WHERE workspace_id = ? AND kind = 'ai-draft'");
        long notices = notified();
        progress("jobs", jobs.getOrDefault("succeeded", 0L) + " post-process jobs done, "
                + jobs.getOrDefault("dead", 0L) + " dead; " + drafts + " AI drafts, " + notices
                + " Slack notices posted in the sandbox (" + slackPosts() + " chat.postMessage seen there)");
    }

    private void contextPack() {
        List<Long> leads = longs("SELECT id FROM webhook.leads WHERE workspace_id = ? ORDER BY id");
        String body = "{\"workspaceId\":\"" + workspace + "\",\"leadIds\":" + leads + ",\"question\":"
                + "\"Who wants a call this week?\"}";
        Answer created = post(8083, "/insights/context-packs", body, Map.of(
                "Authorization", "Bearer " + secrets.get("INSIGHTS_SERVICE_TOKEN"), "Idempotency-Key", "demo:" + marker));
        expect(created, 201, "create a context pack");
        String id = field(created.body, "\"id\"\\s*:\\s*(\\d+)");
        int ticks = 0;
        while (ticks < 20) {
            ticks++;
            expect(post(8083, "/cron/insights/context-packs?budget=10s", "",
                    Map.of("Authorization", "Bearer " + secrets.get("INSIGHTS_CRON_TOKEN"))), 200, "the insights cron tick");
            Answer pack = get(8083, "/insights/context-packs/" + id, Map.of(
                    "Authorization", "Bearer " + secrets.get("INSIGHTS_SERVICE_TOKEN"), "X-Workspace-Id", workspace.toString()));
            packStatus = field(pack.body, "\"status\"\\s*:\\s*\"(\\w+)\"");
            if (packStatus.equals("complete") || packStatus.equals("failed")) {
                break;
            }
        }
        long insights = scalar("SELECT count(*) FROM insights.lead_insights WHERE workspace_id = ?");
        progress("context pack", "pack " + id + " over " + leads.size() + " leads: " + packStatus + " after " + ticks
                + (ticks == 1 ? " cron tick, " : " cron ticks, ") + insights + " lead insights");
    }

    private void providerDisconnect() {
        long postsBefore = slackPosts();
        expect(control("POST", "/faults", "{\"provider\":\"unipile\",\"workspace\":\"" + marker
                + "\",\"kind\":\"disconnected\"}"), 201, "switch the Unipile disconnect on in the sandbox");
        for (int tick = 0; tick < 2; tick++) {
            expect(post(8084, "/cron/integrations/health-check", "",
                    Map.of("Authorization", "Bearer " + secrets.get("INTEGRATIONS_CRON_TOKEN"))), 200, "the health-check cron");
        }
        // The alert is posted off the health check's thread: wait for it to reach the sandbox.
        await("the disconnect alert posted to Slack", Duration.ofSeconds(15), () -> slackPosts() > postsBefore);
        alertPostsDuringDisconnect = slackPosts() - postsBefore;
        progress("provider disconnect", "Unipile answers errors/disconnected_account; two health-check ticks -> unipile "
                + health().getOrDefault("unipile", "?") + ", " + alerts() + " alert row, " + alertPostsDuringDisconnect
                + " Slack alert posted");
    }

    private void databaseOutage() {
        Optional<ProcessHandle> postmaster = embeddedPostmaster();
        // Stored just before the outage, so that it hits their outbox relay and jobs on their way.
        List<Delivery> before = new ArrayList<>();
        for (int i = 0; i < EMAILS_BEFORE_OUTAGE; i++) {
            before.add(email(40 + i, i % 2 == 0));
        }
        for (int i = 0; i < SMS_BEFORE_OUTAGE; i++) {
            before.add(sms(40 + i, i % 2 == 0));
        }
        for (Delivery d : before) {
            (d.channel.equals("email") ? sentEmailIds : sentSmsIds).add(d.externalId);
        }
        List<Delivery> during = new ArrayList<>();
        for (int i = 0; i < OUTAGE_EMAILS; i++) {
            during.add(email(50 + i, i % 2 == 0));
        }
        for (int i = 0; i < OUTAGE_SMS; i++) {
            during.add(sms(50 + i, i % 2 == 0));
        }
        for (Delivery d : during) {
            (d.channel.equals("email") ? sentEmailIds : sentSmsIds).add(d.externalId);
        }
        deliverAll(before, Duration.ofSeconds(10)).forEach(r -> count(r.answer));
        List<Result> answered;
        if (postmaster.isEmpty()) {
            outageNote = state.database() != null && state.database().postmaster() != null
                    ? "skipped: the embedded PostgreSQL's postmaster is not running"
                    : "skipped: the stack uses an external database (DATABASE_URL), which the demo does not stop";
            answered = deliverAll(during, Duration.ofSeconds(10));
        } else {
            answered = duringFrozenDatabase(postmaster.get(), during);
        }
        List<Delivery> again = new ArrayList<>();
        Map<String, Integer> refusedMeanwhile = new java.util.TreeMap<>();
        for (Result r : answered) {
            if (r.answer.status == 200) {
                count(r.answer);
            } else {
                deferred++;
                refusedMeanwhile.merge(r.answer.status < 0 ? "no answer" : "HTTP " + r.answer.status, 1, Integer::sum);
                again.add(r.delivery);
            }
        }
        // A provider delivers again what was not answered 200; so does the demo, until it is.
        long deadline = System.nanoTime() + RECOVERY_WAIT.toNanos();
        while (!again.isEmpty() && System.nanoTime() < deadline) {
            sleep(Duration.ofMillis(500));
            List<Result> retried = deliverAll(again, Duration.ofSeconds(10));
            again.clear();
            for (Result r : retried) {
                redelivered++;
                if (r.answer.status == 200) {
                    count(r.answer);
                } else {
                    again.add(r.delivery);
                }
            }
        }
        if (!again.isEmpty()) {
            outageNote += "; " + again.size() + " deliveries still refused after " + RECOVERY_WAIT.toSeconds() + " s";
        }
        awaitJobsFinished(JOBS_WAIT);
        progress("database outage", outageNote + "; " + before.size() + " deliveries stored just before it, "
                + during.size() + " during it: " + deferred
                + " turned away " + refusedMeanwhile + " and delivered again after (" + redelivered
                + " redeliveries); all jobs finished");
    }

    /**
     * The running postmaster of the stack's embedded PostgreSQL, from its data directory's {@code postmaster.pid}
     * (PostgreSQL's own record, rewritten at every start); empty when the stack uses DATABASE_URL.
     */
    private Optional<ProcessHandle> embeddedPostmaster() {
        if (state.database() == null || state.database().postmaster() == null) {
            return Optional.empty();
        }
        try {
            long pid = Long.parseLong(java.nio.file.Files.readAllLines(paths.pgData().resolve("postmaster.pid"))
                    .getFirst().trim());
            return ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                    .filter(h -> h.info().command().map(c -> c.endsWith("/postgres")).orElse(false));
        } catch (IOException | RuntimeException e) {
            throw new StackException("cannot find the embedded PostgreSQL's postmaster in "
                    + paths.show(paths.pgData()) + ": " + e.getMessage(), e);
        }
    }

    /** Stops every PostgreSQL process of the stack for {@link #OUTAGE}, delivering meanwhile; always resumes them. */
    private List<Result> duringFrozenDatabase(ProcessHandle postmaster, List<Delivery> during) {
        List<Long> pids = new ArrayList<>();
        pids.add(postmaster.pid());
        postmaster.descendants().forEach(c -> pids.add(c.pid()));
        Thread resume = new Thread(() -> signal("CONT", pids), "demo-resume-postgres");
        Runtime.getRuntime().addShutdownHook(resume);
        long stopped = System.nanoTime();
        try {
            signal("STOP", pids);
            long readinessDownMs = -1;
            List<Result> answered;
            try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
                Future<List<Result>> deliveries = pool.submit(() -> deliverAll(during, Duration.ofSeconds(8)));
                while (System.nanoTime() - stopped < OUTAGE.toNanos()) {
                    if (readinessDownMs < 0 && readiness(8081) == 503) {
                        readinessDownMs = (System.nanoTime() - stopped) / 1_000_000;
                    }
                    sleep(Duration.ofMillis(200));
                }
                answered = deliveries.get();
            } catch (Exception e) {
                throw new StackException("deliveries during the outage failed: " + e, e);
            }
            outageNote = "PostgreSQL (" + pids.size() + " processes) stopped for " + OUTAGE.toSeconds() + " s, "
                    + "webhook-service not ready " + (readinessDownMs < 0 ? "(not seen)" : "after " + readinessDownMs + " ms");
            return answered;
        } finally {
            signal("CONT", pids);
            Runtime.getRuntime().removeShutdownHook(resume);
            long back = System.nanoTime();
            await("every service ready again after the outage", RECOVERY_WAIT,
                    () -> state.services().stream().allMatch(s -> readiness(s.port()) == 200));
            outageNote += ", all ready again " + (System.nanoTime() - back) / 1_000_000 + " ms after resuming";
        }
    }

    private int report() {
        int expectedMessages = sentEmailIds.size() + sentSmsIds.size();
        Map<String, Long> stored = new LinkedHashMap<>();
        query("SELECT external_id, count(*) FROM webhook.messages WHERE workspace_id = ? GROUP BY external_id",
                rs -> stored.put(rs.getString(1), rs.getLong(2)));
        List<String> problems = new ArrayList<>();
        int lost = 0;
        for (String id : sentEmailIds) {
            String prefix = "reply:" + id + "@";
            lost += storedOnce(stored, prefix, k -> k.startsWith(prefix), problems);
        }
        for (String id : sentSmsIds) {
            lost += storedOnce(stored, "message:" + id, ("message:" + id)::equals, problems);
        }
        long messages = stored.values().stream().mapToLong(Long::longValue).sum();
        if (messages != expectedMessages) {
            problems.add(messages + " messages stored for " + expectedMessages + " distinct ones sent");
        }
        long withoutOneJob = scalar("SELECT count(*) FROM webhook.messages m WHERE m.workspace_id = ? AND (SELECT count(*)"
                + " FROM jobs.jobs j WHERE j.workspace_id = m.workspace_id AND j.dedupe_key IN"
                + " ('email-inbound-post-process:' || m.id, 'sms-inbound-post-process:' || m.id)) <> 1");
        if (withoutOneJob > 0) {
            problems.add(withoutOneJob + " messages without exactly one post-process job");
        }
        Map<String, Long> jobs = jobStatuses();
        long jobCount = jobs.values().stream().mapToLong(Long::longValue).sum();
        if (jobCount != messages) {
            problems.add(jobCount + " post-process jobs for " + messages + " messages");
        }
        long retried = scalar("SELECT count(*) FROM jobs.job_attempts a JOIN jobs.jobs j ON j.id = a.job_id"
                + " WHERE j.workspace_id = ? AND a.outcome IN ('retry', 'timeout', 'abandoned')");
        long notified = notified();
        long alerts = alerts();
        long posts = slackPosts();
        if (posts != notified + alerts) {
            problems.add(posts + " Slack posts in the sandbox for " + notified + " notices and " + alerts + " alerts");
        }
        if (alerts != 1 || alertPostsDuringDisconnect != 1) {
            problems.add(alerts + " disconnect alert rows and " + alertPostsDuringDisconnect
                    + " alert posts for one disconnect (expected one each)");
        }
        long unfinished = jobs.getOrDefault("available", 0L) + jobs.getOrDefault("running", 0L);

        out.println("demo: report for workspace " + workspace);
        out.println("  deliveries:   " + sentTotal() + " sent; " + tally() + "; " + deferred
                + " turned away during the outage and delivered again");
        out.println("  messages:     " + messages + " stored for " + expectedMessages + " distinct sent ("
                + sentEmailIds.size() + " email, " + sentSmsIds.size() + " SMS); " + lost + " lost");
        out.println("  jobs:         " + jobs.getOrDefault("succeeded", 0L) + " done, " + retried + " retried, "
                + jobs.getOrDefault("dead", 0L) + " dead, " + unfinished + " unfinished");
        out.println("  context pack: " + packStatus);
        out.println("  integrations: " + health());
        out.println("  slack:        " + notified + " notices + " + alerts + " alert = " + (notified + alerts)
                + " expected, " + posts + " chat.postMessage in the sandbox");
        out.println("  outage:       " + outageNote);
        problems.forEach(p -> out.println("  PROBLEM: " + p));
        long seconds = (System.nanoTime() - started) / 1_000_000_000L;
        if (problems.isEmpty()) {
            out.println(VERDICT_OK + ": " + expectedMessages + " messages each stored once with one job, "
                    + notified + " notices and 1 alert posted once, nothing lost or duplicated (" + seconds + " s)");
            return 0;
        }
        out.println(VERDICT_FAILED + ": " + problems.size() + " problem(s), see above (" + seconds + " s)");
        return 1;
    }

    // ---- deliveries --------------------------------------------------------------------------------------------

    /** One provider delivery: where it goes, its body, its auth headers and the message's external id. */
    private record Delivery(String channel, String path, String body, Map<String, String> headers, String externalId) {

        Delivery withHeader(String name, String value) {
            Map<String, String> h = new LinkedHashMap<>(headers);
            h.put(name, value);
            return new Delivery(channel, path, body, h, null);
        }
    }

    private Delivery email(int n, boolean signed) {
        String replyId = Long.toString(ebWorkspaceId * 1000 + n);
        int lead = 1 + n % 4;
        String address = "lead" + lead + "@" + marker + ".example";
        String body = """
                {"event":{"type":"LEAD_REPLIED","name":"Lead Replied","instance_url":"https://app.emailbison.com",\
                "workspace_id":%d,"workspace_name":"Demo"},"data":{"reply":{"id":%s,"email_subject":"Re: our call",\
                "text_body":"Sounds good, can we talk on Friday? (%d)","from_email_address":"%s",\
                "date_received":"2026-12-04T10:%02d:00.000000Z"},"lead":{"id":%d,"email":"%s","first_name":"Lead %d"}}}"""
                .formatted(ebWorkspaceId, replyId, n, address, n % 60, 7000 + lead, address, lead);
        return new Delivery("email", "/webhooks/email/" + workspace, body, signed ? signed(body) : bearer(), replyId);
    }

    private Delivery sms(int n, boolean signed) {
        String messageId = marker + "-sms-" + n;
        String body = """
                {"type":"InboundMessage","locationId":"%s","attachments":[],"body":"Yes, call me after 5 (%d)",\
                "contactId":"contact-%d","contentType":"text/plain","conversationId":"conv-%d",\
                "dateAdded":"2026-12-04T11:%02d:00.000Z","direction":"inbound","messageType":"SMS","messageId":"%s",\
                "phone":"+1555000%04d","status":"delivered"}""".formatted(ghlLocation, n, n % 3, n % 3, n % 60, messageId, n % 3);
        return new Delivery("sms", "/webhooks/ghl/sms/" + workspace, body, signed ? signed(body) : bearer(), messageId);
    }

    private Map<String, String> bearer() {
        return Map.of("Authorization", "Bearer " + intakeToken);
    }

    /** Standard Webhooks headers, as {@code ./stack sign} prints them (HMAC-SHA256 of id.timestamp.body). */
    private Map<String, String> signed(String body) {
        String id = "msg_" + UUID.randomUUID();
        String timestamp = Long.toString(System.currentTimeMillis() / 1000);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(Base64.getDecoder().decode(signingSecret.substring("whsec_".length())), "HmacSHA256"));
            byte[] signature = mac.doFinal((id + "." + timestamp + "." + body).getBytes(StandardCharsets.UTF_8));
            return Map.of("webhook-id", id, "webhook-timestamp", timestamp,
                    "webhook-signature", "v1," + Base64.getEncoder().encodeToString(signature));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private record Result(Delivery delivery, Answer answer) {
    }

    /** Sends every delivery at once (eight in flight), like providers firing webhooks concurrently. */
    private List<Result> deliverAll(List<Delivery> deliveries, Duration timeout) {
        List<Result> answered = Collections.synchronizedList(new ArrayList<>());
        synchronized (answers) {
            sent += deliveries.size();
        }
        java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(8);
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (Delivery d : deliveries) {
                pool.submit(() -> {
                    inFlight.acquireUninterruptibly();
                    try {
                        Map<String, String> headers = new LinkedHashMap<>(d.headers);
                        headers.put("Content-Type", "application/json");
                        answered.add(new Result(d, send("POST", 8081, d.path, d.body, headers, timeout)));
                    } finally {
                        inFlight.release();
                    }
                });
            }
        }
        return answered;
    }

    private void count(Answer a) {
        String outcome = a.status == 200 ? field(a.body, "\"status\"\\s*:\\s*\"(\\w+)\"")
                : a.status >= 400 && a.status < 500 && a.status != 429 ? "refused" : "unanswered";
        answers.merge(outcome, 1, Integer::sum);
    }

    private String tally() {
        synchronized (answers) {
            return answers.getOrDefault("accepted", 0) + " accepted, " + answers.getOrDefault("duplicate", 0)
                    + " duplicate, " + answers.getOrDefault("refused", 0) + " refused"
                    + (answers.containsKey("unanswered") ? ", " + answers.get("unanswered") + " unanswered" : "");
        }
    }

    private int sentTotal() {
        synchronized (answers) {
            return sent;
        }
    }

    private static int storedOnce(Map<String, Long> stored, String prefix, java.util.function.Predicate<String> isIt,
                                  List<String> problems) {
        List<Long> copies = stored.entrySet().stream().filter(e -> isIt.test(e.getKey()))
                .map(Map.Entry::getValue).toList();
        long total = copies.stream().mapToLong(Long::longValue).sum();
        if (total == 0) {
            problems.add("lost: " + prefix + " was sent and is not stored");
            return 1;
        }
        if (total > 1) {
            problems.add("duplicated: " + prefix + " is stored " + total + " times");
        }
        return 0;
    }

    // ---- SQL -----------------------------------------------------------------------------------------------

    /** Waits for a finished job per message stored (what was sent and not stored is the report's to tell). */
    private void awaitJobsFinished(Duration timeout) {
        await("a finished post-process job for every stored message", timeout, () -> {
            long messages = scalar("SELECT count(*) FROM webhook.messages WHERE workspace_id = ?");
            Map<String, Long> s = jobStatuses();
            long finished = s.getOrDefault("succeeded", 0L) + s.getOrDefault("dead", 0L) + s.getOrDefault("cancelled", 0L);
            return finished >= messages && s.getOrDefault("available", 0L) + s.getOrDefault("running", 0L) == 0;
        });
    }

    private Map<String, Long> jobStatuses() {
        Map<String, Long> statuses = new LinkedHashMap<>();
        query("SELECT status, count(*) FROM jobs.jobs WHERE workspace_id = ? AND type IN ('" + INBOUND_JOBS.get(0)
                + "', '" + INBOUND_JOBS.get(1) + "') GROUP BY status", rs -> statuses.put(rs.getString(1), rs.getLong(2)));
        return statuses;
    }

    private long notified() {
        return scalar("SELECT count(*) FROM webhook.message_annotations WHERE workspace_id = ? AND kind = 'slack-notice'"
                + " AND value->>'status' = 'sent'");
    }

    private long alerts() {
        return scalar("SELECT count(*) FROM integrations.alert_dedupe WHERE workspace_id = ?");
    }

    private Map<String, String> health() {
        Map<String, String> health = new java.util.TreeMap<>();
        query("SELECT provider, status FROM integrations.integration_health WHERE workspace_id = ?",
                rs -> health.put(rs.getString(1), rs.getString(2)));
        return health;
    }

    private long scalar(String sql) {
        long[] value = {0};
        query(sql, rs -> value[0] = rs.getLong(1));
        return value[0];
    }

    private List<Long> longs(String sql) {
        List<Long> values = new ArrayList<>();
        query(sql, rs -> values.add(rs.getLong(1)));
        return values;
    }

    private interface Row {
        void read(ResultSet rs) throws SQLException;
    }

    /** Runs a query with this run's workspace as its one parameter, on a connection of its own. */
    private void query(String sql, Row row) {
        try (Connection c = connect(); PreparedStatement s = c.prepareStatement(sql)) {
            s.setObject(1, workspace);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    row.read(rs);
                }
            }
        } catch (SQLException e) {
            throw new StackException("query failed (" + e.getMessage() + "): " + sql, e);
        }
    }

    private Connection connect() throws SQLException {
        String url = Optional.ofNullable(env.get("DATABASE_URL")).filter(u -> !u.isBlank())
                .orElse(state.database().displayUrl());
        Properties props = new Properties();
        props.setProperty("user", Optional.ofNullable(env.get("DATABASE_USER")).filter(u -> !u.isBlank())
                .orElse(state.database().user()));
        props.setProperty("password", env.getOrDefault("DATABASE_PASSWORD", ""));
        props.setProperty("connectTimeout", "5");
        props.setProperty("socketTimeout", "15");
        return DriverManager.getConnection(url, props);
    }

    // ---- HTTP --------------------------------------------------------------------------------------------------

    private record Answer(int status, String body) {
    }

    private long slackPosts() {
        Answer stats = control("GET", "/stats?credential=" + marker, null);
        Matcher m = Pattern.compile("\"POST /slack/chat\\.postMessage\"\\s*:\\s*(\\d+)").matcher(stats.body);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    private Answer control(String method, String path, String body) {
        return send(method, SANDBOX_CONTROL_PORT, path, body, Map.of("Content-Type", "application/json"));
    }

    private Answer post(int port, String path, String body, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put("Content-Type", "application/json");
        return send("POST", port, path, body, h);
    }

    private Answer get(int port, String path, Map<String, String> headers) {
        return send("GET", port, path, null, headers);
    }

    private Answer send(String method, int port, String path, String body, Map<String, String> headers) {
        return send(method, port, path, body, headers, Duration.ofSeconds(15));
    }

    /** An answer, or status -1 when none came (refused connection, timeout): the demo reports, it does not crash. */
    private Answer send(String method, int port, String path, String body, Map<String, String> headers, Duration timeout) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(response.statusCode(), response.body());
        } catch (IOException e) {
            return new Answer(-1, e.getClass().getSimpleName());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", e);
        }
    }

    private int readiness(int port) {
        return send("GET", port, "/health/readiness", null, Map.of(), Duration.ofSeconds(2)).status;
    }

    private static void signal(String name, List<Long> pids) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + name));
        pids.forEach(p -> command.add(Long.toString(p)));
        try {
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start().waitFor(10, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new StackException("kill -" + name + " failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- small things ------------------------------------------------------------------------------------------

    private void progress(String what, String detail) {
        stage++;
        out.printf("demo: [%d/6 %4.1fs] %s: %s%n", stage, (System.nanoTime() - started) / 1e9, what, detail);
        out.flush();
    }

    private static void expect(Answer answer, int status, String what) {
        if (answer.status != status) {
            throw new StackException(what + ": HTTP " + answer.status + " " + abbreviated(answer.body));
        }
    }

    private void await(String what, Duration timeout, Supplier<Boolean> condition) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                throw new StackException("not within " + timeout.toSeconds() + " s: " + what);
            }
            sleep(Duration.ofMillis(250));
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", e);
        }
    }

    private static String field(String json, String regex) {
        Matcher m = Pattern.compile(regex).matcher(json);
        if (!m.find()) {
            throw new StackException("unexpected answer: " + abbreviated(json));
        }
        return m.group(1);
    }

    private static String abbreviated(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }
}
