package dev.ballast.stack;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the real {@code ./stack up} (embedded PostgreSQL and the four service jars) as a child process, checks that
 * every service is ready, runs the README's "Try it" block and {@code ./stack demo} against it, presses Ctrl-C (SIGINT)
 * and checks that nothing it started is still running.
 */
class StackLauncherIT {

    // A first run of freshly built jars records AOT caches: slower to start and to stop than later runs.
    private static final Duration READY_DEADLINE = Duration.ofSeconds(90);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(120);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration DEMO_DEADLINE = Duration.ofSeconds(150);

    private final Path root = Path.of(System.getProperty("ballast.root", "..")).toAbsolutePath().normalize();
    private final StackPaths paths = StackPaths.under(root);
    private final Path output = root.resolve("dev-stack/target/stack-launcher-it.out");
    private final Path demoOutput = root.resolve("dev-stack/target/stack-demo-it.out");
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500))
            .build();
    private Process launcher;

    @Test
    void upBringsAllFourServicesToReadyAndCtrlCLeavesNoProcessBehind() throws Exception {
        List<ServiceSpec> services = ServiceSpec.all(root);
        for (ServiceSpec service : services) {
            assertThat(service.jar()).as("%s must be built first (./mvnw verify from the root builds it)", service.name())
                    .isRegularFile();
        }
        for (int port : ports(services)) {
            assertThat(portIsFree(port))
                    .as("port %d is already taken: stop what listens there (a running stack: ./stack down)", port)
                    .isTrue();
        }

        ProcessBuilder builder = new ProcessBuilder(root.resolve("stack").toString(), "up")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        // The reactor has just built every jar; and the test is about the embedded database too.
        builder.environment().put("STACK_SKIP_BUILD", "1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Stream.of("DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD").forEach(builder.environment()::remove);
        launcher = builder.start();

        awaitWhileLauncherRuns("all four services and the sandbox ready, the status table printed", READY_DEADLINE,
                () -> launcherSaid("stack: all 5 services ready"));
        for (ServiceSpec service : services) {
            assertThat(readinessStatus(service.port())).as("%s /health/readiness", service.name()).isEqualTo(200);
        }
        assertThat(launcherOutput()).contains("SERVICE", "http://localhost:8081", "http://localhost:8084");

        StackState state = StackState.read(paths.stateFile()).orElseThrow();
        assertThat(state.launcher().pid()).as("./stack execs the launcher").isEqualTo(launcher.pid());
        assertThat(state.services()).extracting(StackState.Service::name)
                .containsExactlyInAnyOrder("provider-sandbox", "webhook-service", "jobs-service", "insights-service",
                        "integrations-service");
        assertThat(state.database().postmaster()).as("embedded PostgreSQL postmaster").isNotNull();
        List<ProcessRecord> children = state.children();
        assertThat(children).as("five processes and the postmaster").hasSize(6).allMatch(ProcessRecord::alive);

        aReplyStoredByWebhookServiceBecomesExactlyOneJobInJobsService();
        theReadmeTryItCommandsPrintWhatTheReadmeShows();
        theDemoDayStoresEverythingOnceThroughADisconnectAndADatabaseOutage();

        Process ctrlC = new ProcessBuilder("kill", "-INT", Long.toString(launcher.pid())).start();
        assertThat(ctrlC.waitFor()).isZero();

        assertThat(launcher.waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .as(() -> "launcher exits after SIGINT within " + STOP_DEADLINE.toSeconds() + " s; it said:\n"
                        + launcherOutput())
                .isTrue();
        assertThat(children).as("services and postgres after Ctrl-C").noneMatch(ProcessRecord::alive);
        assertThat(paths.stateFile()).doesNotExist();
        assertThat(launcherOutput()).contains("stack: SIGINT: stopping", "stack: stopped");
        for (int port : ports(services)) {
            assertThat(portIsFree(port)).as("port %d released", port).isTrue();
        }
    }

    /**
     * Real HTTP between the real services: a delivery stored by webhook-service reaches jobs-service through the
     * outbox relay with the stack's generated tokens, and a redelivery adds no second job.
     */
    private void aReplyStoredByWebhookServiceBecomesExactlyOneJobInJobsService() throws Exception {
        Map<String, String> secrets = secrets();
        HttpResponse<String> created = send("POST", 8081, "/admin/workspaces",
                "{\"name\":\"stack-it\",\"providerWorkspaceIds\":{\"emailbison\":[\"12\"],\"ghl\":[]}}",
                secrets.get("WEBHOOK_ADMIN_TOKEN"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String workspace = field(created.body(), "\"workspace\"\\s*:\\s*\\{[^}]*?\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
        String intakeToken = field(created.body(), "\"intakeToken\"\\s*:\\s*\"([^\"]+)\"");
        long replyId = System.nanoTime() % 1_000_000_000L;
        String reply = """
                {"event":{"type":"LEAD_REPLIED","name":"Lead Replied","instance_url":"https://app.emailbison.com",
                  "workspace_id":12,"workspace_name":"Acme"},
                 "data":{"reply":{"id":%d,"email_subject":"Re: our call","text_body":"Call me tomorrow",
                   "from_email_address":"jane@example.com","date_received":"2025-01-15T10:00:00.000000Z"},
                  "lead":{"id":77,"email":"jane@example.com","first_name":"Jane"}}}
                """.formatted(replyId);

        HttpResponse<String> first = send("POST", 8081, "/webhooks/email/" + workspace, reply, intakeToken);
        HttpResponse<String> again = send("POST", 8081, "/webhooks/email/" + workspace, reply, intakeToken);
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        assertThat(first.body()).contains("\"accepted\"");
        assertThat(again.body()).contains("\"duplicate\"");
        String messageId = field(first.body(), "\"messageId\"\\s*:\\s*\"?(\\d+)");

        String dedupeKey = "\"dedupeKey\":\"email-inbound-post-process:" + messageId + "\"";
        String list = "/admin/jobs?workspaceId=" + workspace + "&type=email-inbound-post-process";
        awaitWhileLauncherRuns("the relayed job listed by jobs-service", Duration.ofSeconds(30),
                () -> get(8082, list, secrets.get("JOBS_ADMIN_TOKEN")).contains(dedupeKey));
        // The relay has posted; give a stray second post the chance to show before counting.
        awaitWhileLauncherRuns("a worker took the job", Duration.ofSeconds(30),
                () -> get(8082, list, secrets.get("JOBS_ADMIN_TOKEN")).matches("(?s).*\"attempt\":[1-9].*"));
        String jobs = get(8082, list, secrets.get("JOBS_ADMIN_TOKEN"));
        assertThat(jobs.split("\"dedupeKey\"", -1)).as(jobs).hasSize(2);
    }

    /** The README's "Try it" block, run verbatim as a newcomer would paste it, prints the output the README shows. */
    private void theReadmeTryItCommandsPrintWhatTheReadmeShows() throws Exception {
        String readme = Files.readString(root.resolve("README.md"));
        String commands = fencedBlockAfter(readme, "<!-- try-it: commands");
        List<String> expected = fencedBlockAfter(readme, "<!-- try-it: output").lines().map(String::strip).toList();

        Process shell = new ProcessBuilder("bash", "-euo", "pipefail", "-c", commands)
                .directory(root.toFile()).redirectErrorStream(true).start();
        String printed = new String(shell.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(shell.waitFor(60, TimeUnit.SECONDS)).as("the Try it commands finish").isTrue();

        assertThat(shell.exitValue()).as("exit status of the Try it commands; they printed:%n%s", printed).isZero();
        assertThat(printed.lines().map(String::strip).toList()).as("what the Try it commands print").isEqualTo(expected);
    }

    /**
     * {@code ./stack demo} against this stack: it exits 0 with an OK verdict, and what it reports is checked here
     * independently, in SQL and in the sandbox's counts, against what the demo sends (16 replies and SMS, 6 provider
     * retries, 4 refused deliveries; then 4 more just before the database outage and 6 during it).
     */
    private void theDemoDayStoresEverythingOnceThroughADisconnectAndADatabaseOutage() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(root.resolve("stack").toString(), "demo")
                .directory(root.toFile()).redirectErrorStream(true).redirectOutput(demoOutput.toFile());
        builder.environment().put("STACK_SKIP_BUILD", "1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Process demo = builder.start();
        boolean finished = demo.waitFor(DEMO_DEADLINE.toSeconds(), TimeUnit.SECONDS);
        String printed = Files.readString(demoOutput, StandardCharsets.UTF_8);
        if (!finished) {
            demo.destroy();
            demo.waitFor(20, TimeUnit.SECONDS);
            fail("./stack demo still running after %d s; it said:%n%s", DEMO_DEADLINE.toSeconds(), printed);
        }
        assertThat(demo.exitValue()).as("./stack demo exit status; it said:%n%s", printed).isZero();
        List<String> lines = printed.lines().toList();
        assertThat(lines.getLast()).as(printed).startsWith("demo: OK: 26 messages each stored once with one job");
        assertThat(lines.stream().filter(l -> l.startsWith("demo: [")).count()).as("a progress line per stage").isEqualTo(6);
        // The burst has no outage in it: each of its answers is known in advance.
        assertThat(printed).contains("6 provider retries; 4 refused: bad signature, bad token, malformed) -> 16 accepted,"
                + " 6 duplicate, 4 refused");
        // The outage was real: webhook-service went not ready, and every delivery made during it was turned away.
        assertThat(printed).contains("6 turned away during the outage and delivered again")
                .containsPattern("webhook-service not ready after \\d+ ms");
        assertThat(printed).contains("4 refused", "26 stored for 26 distinct sent (16 email, 10 SMS); 0 lost",
                "26 done", "0 dead, 0 unfinished", "context pack: complete", "unipile=DISCONNECTED",
                "26 notices + 1 alert = 27 expected, 27 chat.postMessage in the sandbox");
        Matcher tally = Pattern.compile("(\\d+) accepted, (\\d+) duplicate").matcher(lines.stream()
                .filter(l -> l.strip().startsWith("deliveries:")).findFirst().orElseThrow());
        assertThat(tally.find()).isTrue();
        assertThat(Integer.parseInt(tally.group(1)) + Integer.parseInt(tally.group(2)))
                .as("every delivery that was not refused is accepted or a duplicate").isEqualTo(32);

        String workspace = field(printed, "demo: report for workspace ([0-9a-f-]{36})");
        try (Connection db = DriverManager.getConnection("jdbc:postgresql://localhost:"
                + StackSettings.from(System.getenv()).pgPort() + "/postgres", "postgres", "")) {
            assertThat(count(db, "SELECT count(*) FROM webhook.messages WHERE workspace_id = ?::uuid", workspace))
                    .as("messages stored").isEqualTo(26);
            assertThat(count(db, "SELECT count(DISTINCT external_id) FROM webhook.messages WHERE workspace_id = ?::uuid",
                    workspace)).as("distinct external ids").isEqualTo(26);
            assertThat(count(db, "SELECT count(*) FROM webhook.webhook_deliveries WHERE workspace_id = ?::uuid"
                    + " AND http_status IN (400, 401, 422)", workspace)).as("refused deliveries logged").isEqualTo(4);
            assertThat(count(db, "SELECT count(DISTINCT dedupe_key) FROM jobs.jobs WHERE workspace_id = ?::uuid"
                    + " AND status = 'succeeded'", workspace)).as("post-process jobs succeeded, one per message").isEqualTo(26);
            assertThat(count(db, "SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?::uuid", workspace))
                    .as("jobs").isEqualTo(26);
            assertThat(count(db, "SELECT count(*) FROM integrations.alert_dedupe WHERE workspace_id = ?::uuid", workspace))
                    .as("disconnect alerts").isEqualTo(1);
            assertThat(count(db, "SELECT count(*) FROM insights.context_packs WHERE workspace_id = ?::uuid"
                    + " AND status = 'complete'", workspace)).as("context packs complete").isEqualTo(1);
            String marker = text(db, "SELECT name FROM webhook.workspaces WHERE id = ?::uuid", workspace);
            String stats = sandbox("/stats?credential=" + marker);
            assertThat(stats).as("the sandbox's count of the demo workspace's Slack posts")
                    .containsPattern("\"POST /slack/chat\\.postMessage\"\\s*:\\s*27\\b");
        }
        assertThat(sandbox("/faults")).as("the demo switches its fault off").isEqualToIgnoringWhitespace("[]");
    }

    private String sandbox(String path) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:8091" + path))
                .timeout(Duration.ofSeconds(5)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }

    private static long count(Connection db, String sql, String workspace) throws Exception {
        return Long.parseLong(text(db, sql, workspace));
    }

    private static String text(Connection db, String sql, String workspace) throws Exception {
        try (PreparedStatement s = db.prepareStatement(sql)) {
            s.setString(1, workspace);
            try (ResultSet rs = s.executeQuery()) {
                assertThat(rs.next()).isTrue();
                return rs.getString(1);
            }
        }
    }

    private static String fencedBlockAfter(String markdown, String marker) {
        int at = markdown.indexOf(marker);
        assertThat(at).as("README marker %s", marker).isNotNegative();
        int open = markdown.indexOf("```", at);
        int start = markdown.indexOf('\n', open) + 1;
        return markdown.substring(start, markdown.indexOf("\n```", start) + 1);
    }

    private Map<String, String> secrets() throws IOException {
        Map<String, String> values = new HashMap<>();
        for (String line : Files.readAllLines(paths.secretsFile())) {
            int eq = line.indexOf('=');
            if (eq > 0 && !line.startsWith("#")) {
                values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
            }
        }
        return values;
    }

    private HttpResponse<String> send(String method, int port, String path, String body, String token)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer " + token)
                .method(method, HttpRequest.BodyPublishers.ofString(body)).build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private String get(int port, String path, String token) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(5)).header("Authorization", "Bearer " + token).build();
            return http.send(request, HttpResponse.BodyHandlers.ofString()).body();
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    private static String field(String json, String regex) {
        Matcher m = Pattern.compile(regex).matcher(json);
        assertThat(m.find()).as("%s in %s", regex, json).isTrue();
        return m.group(1);
    }

    @AfterEach
    void leaveNothingRunning() throws Exception {
        if (launcher != null && launcher.isAlive()) {
            ProcessBuilder down = new ProcessBuilder(root.resolve("stack").toString(), "down")
                    .directory(root.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            down.environment().put("STACK_SKIP_BUILD", "1");
            down.environment().put("JAVA_HOME", System.getProperty("java.home"));
            down.start().waitFor();
            launcher.destroyForcibly();
        }
        http.close();
    }

    private void awaitWhileLauncherRuns(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!launcher.isAlive()) {
                fail("launcher exited with %d before: %s%n%s", launcher.exitValue(), what, launcherOutput());
            }
            if (System.nanoTime() > deadline) {
                fail("not within %d s: %s%n%s", timeout.toSeconds(), what, launcherOutput());
            }
            Thread.sleep(POLL);
        }
    }

    private boolean launcherSaid(String line) {
        return launcherOutput().contains(line);
    }

    private String launcherOutput() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    private int readinessStatus(int port) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/readiness"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static List<Integer> ports(List<ServiceSpec> services) {
        int postgres = StackSettings.from(System.getenv()).pgPort();
        return Stream.concat(services.stream().map(ServiceSpec::port), Stream.of(postgres)).toList();
    }

    private static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
