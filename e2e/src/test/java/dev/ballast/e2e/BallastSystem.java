package dev.ballast.e2e;

import dev.ballast.testsupport.FaultProxy;
import dev.ballast.testsupport.JvmProcess;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Ballast as it runs in production, on loopback: the services' built jars as separate processes configured through
 * their environment, one PostgreSQL (each service in its own schema) reached through a TCP fault proxy, and the
 * provider sandbox as the third parties. Processes can be killed and restarted for real.
 */
final class BallastSystem implements AutoCloseable {

    static final String WEBHOOK = "webhook-service";
    static final String JOBS = "jobs-service";
    static final String INTEGRATIONS = "integrations-service";
    static final String INSIGHTS = "insights-service";
    static final String SANDBOX = "provider-sandbox";
    private static final List<String> SERVICES = List.of(INTEGRATIONS, JOBS, WEBHOOK, INSIGHTS);
    private static final List<String> PROVIDERS = List.of("ai", "emailbison", "ghl", "slack", "unipile");

    private final Path root = Path.of(System.getProperty("ballast.root", "..")).toAbsolutePath().normalize();
    private final String version = System.getProperty("ballast.version", "0.1.0-SNAPSHOT");
    private final Path logs = root.resolve("e2e/target/e2e-logs");
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(2)).build();
    private final Map<String, Integer> ports = new LinkedHashMap<>();
    private final Map<String, Map<String, String>> environments = new LinkedHashMap<>();
    private final Map<String, JvmProcess> running = new LinkedHashMap<>();
    private final Map<String, String> secrets = new LinkedHashMap<>();
    final TestDatabase db;
    final FaultProxy dbProxy;
    private final int sandboxControlPort;

    /** Starts everything; {@code extra} adds or overrides environment variables per service. */
    static BallastSystem start(Map<String, Map<String, String>> extra) {
        BallastSystem system = new BallastSystem(extra);
        system.startSandbox();
        SERVICES.forEach(system::startService);
        SERVICES.forEach(system::awaitReady);
        return system;
    }

    private BallastSystem(Map<String, Map<String, String>> extra) {
        db = TestPostgres.freshDatabase();
        dbProxy = FaultProxy.in(db);
        for (String name : List.of(SANDBOX, WEBHOOK, JOBS, INTEGRATIONS, INSIGHTS)) {
            ports.put(name, freePort());
        }
        sandboxControlPort = freePort();
        for (String name : List.of("WEBHOOK_ADMIN_TOKEN", "WEBHOOK_SERVICE_TOKEN", "JOBS_SERVICE_TOKEN",
                "JOBS_ADMIN_TOKEN", "JOBS_CRON_TOKEN", "INTEGRATIONS_SERVICE_TOKEN", "INTEGRATIONS_ADMIN_TOKEN",
                "INTEGRATIONS_CRON_TOKEN", "INSIGHTS_SERVICE_TOKEN", "INSIGHTS_CRON_TOKEN")) {
            secrets.put(name, name.toLowerCase() + "-" + HexFormat.of().formatHex(random(8)));
        }
        secrets.put("WEBHOOK_SECRET_KEY", Base64.getEncoder().encodeToString(random(32)));
        secrets.put("INTEGRATIONS_SECRET_KEY", Base64.getEncoder().encodeToString(random(32)));

        String dbUrl = db.jdbcUrlThrough(dbProxy.port());
        for (String service : SERVICES) {
            Map<String, String> env = new LinkedHashMap<>();
            env.put("SERVER_PORT", Integer.toString(ports.get(service)));
            env.put("DATABASE_URL", dbUrl);
            env.put("DATABASE_USER", db.user());
            env.put("DATABASE_PASSWORD", db.password() == null ? "" : db.password());
            env.put("DATABASE_POOL_MAX_SIZE", System.getProperty("e2e.pool", "5"));
            env.put("DATABASE_POOL_MIN_IDLE", "1");
            environments.put(service, env);
        }
        Map<String, String> webhook = environments.get(WEBHOOK);
        put(webhook, "WEBHOOK_ADMIN_TOKEN", "WEBHOOK_SERVICE_TOKEN", "WEBHOOK_SECRET_KEY", "JOBS_SERVICE_TOKEN");
        webhook.put("JOBS_SERVICE_URL", url(JOBS));
        // as the chart requires: the read API's bulkhead below the pool, so the intake keeps a connection of its own
        int pool = Integer.parseInt(System.getProperty("e2e.pool", "5"));
        webhook.put("WEBHOOK_READ_MAX_CONCURRENT", Integer.toString(Math.max(1, pool - 1)));

        Map<String, String> jobs = environments.get(JOBS);
        put(jobs, "JOBS_SERVICE_TOKEN", "JOBS_ADMIN_TOKEN", "JOBS_CRON_TOKEN");
        jobs.put("WEBHOOK_SERVICE_URL", url(WEBHOOK));
        jobs.put("JOBS_WEBHOOK_SERVICE_TOKEN", secrets.get("WEBHOOK_SERVICE_TOKEN"));
        jobs.put("INTEGRATIONS_SERVICE_URL", url(INTEGRATIONS));
        jobs.put("JOBS_INTEGRATIONS_SERVICE_TOKEN", secrets.get("INTEGRATIONS_SERVICE_TOKEN"));

        Map<String, String> integrations = environments.get(INTEGRATIONS);
        put(integrations, "INTEGRATIONS_SERVICE_TOKEN", "INTEGRATIONS_ADMIN_TOKEN", "INTEGRATIONS_CRON_TOKEN",
                "INTEGRATIONS_SECRET_KEY");
        for (String p : PROVIDERS) {
            integrations.put(p.toUpperCase() + "_URL", "http://localhost:" + ports.get(SANDBOX) + "/" + p);
        }
        integrations.put("AI_API_KEY", "sandbox-ai-e2e");

        Map<String, String> insights = environments.get(INSIGHTS);
        put(insights, "INSIGHTS_SERVICE_TOKEN", "INSIGHTS_CRON_TOKEN");
        insights.put("WEBHOOK_SERVICE_URL", url(WEBHOOK));
        insights.put("INSIGHTS_WEBHOOK_SERVICE_TOKEN", secrets.get("WEBHOOK_SERVICE_TOKEN"));
        insights.put("INTEGRATIONS_SERVICE_URL", url(INTEGRATIONS));
        insights.put("INSIGHTS_INTEGRATIONS_SERVICE_TOKEN", secrets.get("INTEGRATIONS_SERVICE_TOKEN"));

        extra.forEach((service, env) -> environments.get(service).putAll(env));
    }

    String secret(String name) {
        return secrets.get(name);
    }

    String url(String service) {
        return "http://localhost:" + ports.get(service);
    }

    void startService(String service) {
        Path jar = root.resolve(service).resolve("target").resolve(service + "-" + version + ".jar");
        assertThat(jar).as("%s must be built first (./mvnw verify from the root builds it)", service).isRegularFile();
        running.put(service, JvmProcess.startJar(jar, Map.of(), environments.get(service),
                logs.resolve(service + ".log")));
    }

    void awaitReady(String service) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(200)).until(() -> {
            assertThat(running.get(service).alive()).as("%s running, see %s", service, logs.resolve(service + ".log"))
                    .isTrue();
            return status(url(service) + "/health/readiness") == 200;
        });
    }

    /** SIGKILL: no shutdown hook, no drain; what it held is left for the others to recover. */
    void kill(String service) {
        running.remove(service).kill();
    }

    /** SIGTERM, as Kubernetes stops a pod. */
    void stop(String service) {
        running.remove(service).stop();
    }

    void restart(String service) {
        startService(service);
        awaitReady(service);
    }

    private void startSandbox() {
        Path jar = root.resolve(SANDBOX).resolve("target").resolve(SANDBOX + "-" + version + ".jar");
        assertThat(jar).as("the provider sandbox must be built first").isRegularFile();
        running.put(SANDBOX, JvmProcess.startJar(jar, Map.of(), Map.of("SANDBOX_PORT", Integer.toString(ports.get(SANDBOX)),
                "SANDBOX_CONTROL_PORT", Integer.toString(sandboxControlPort)), logs.resolve(SANDBOX + ".log")));
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> status("http://localhost:" + sandboxControlPort + "/stats") == 200);
    }

    /** A workspace that receives EmailBison workspace {@code providerWorkspaceId}'s and GHL location's webhooks. */
    /** {@code name}: the part of its sandbox credentials that tells its provider requests apart. */
    record Workspace(String id, String intakeToken, String signingSecret, String name) {
    }

    Workspace createWorkspace(String name, String emailBisonWorkspace, String ghlLocation) {
        HttpResponse<String> created = send("POST", WEBHOOK, "/admin/workspaces", """
                {"name":"%s","providerWorkspaceIds":{"emailbison":["%s"],"ghl":["%s"]}}"""
                .formatted(name, emailBisonWorkspace, ghlLocation), secrets.get("WEBHOOK_ADMIN_TOKEN"));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Workspace w = new Workspace(field(created.body(), "\"workspace\"\\s*:\\s*\\{[^}]*?\"id\"\\s*:\\s*\"([0-9a-f-]{36})\""),
                field(created.body(), "\"intakeToken\"\\s*:\\s*\"([^\"]+)\""),
                field(created.body(), "\"signingSecret\"\\s*:\\s*\"([^\"]+)\""), name);
        // sandbox credentials of its own for every provider, AI included: the sandbox matches faults on the workspace
        // part of a token, and counts requests per credential (see sandboxServed(Workspace, String))
        Map<String, String> credentials = Map.of(
                "ai", "{\"token\":\"" + sandboxToken(name, "ai") + "\"}",
                "emailbison", "{\"token\":\"" + sandboxToken(name, "emailbison") + "\"}",
                "ghl", "{\"token\":\"" + sandboxToken(name, "ghl") + "\",\"accountId\":\"loc-" + name + "\"}",
                "slack", "{\"token\":\"" + sandboxToken(name, "slack")
                        + "\",\"channel\":\"#replies\",\"alertChannel\":\"#alerts\"}");
        credentials.forEach((provider, body) -> {
            HttpResponse<String> put = send("PUT", INTEGRATIONS, "/admin/workspaces/" + w.id() + "/integrations/" + provider,
                    body, secrets.get("INTEGRATIONS_ADMIN_TOKEN"));
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
        });
        return w;
    }

    /** The sandbox's control API (faults, request counts). */
    String sandboxControl() {
        return "http://localhost:" + sandboxControlPort;
    }

    /** A workspace's sandbox token for {@code provider}; the "-key" end keeps one name from matching inside another. */
    static String sandboxToken(String name, String provider) {
        return ("slack".equals(provider) ? "xoxb-sandbox-" : "sandbox-" + provider + "-") + name + "-key";
    }

    /**
     * Requests the sandbox served with {@code ws}'s credentials for {@code provider} since the last reset: calls of
     * other scenarios still settling (a slow provider answering late, a retried job) cannot add to it.
     */
    long sandboxServed(Workspace ws, String provider) {
        String part = URLEncoder.encode(sandboxToken(ws.name(), provider), StandardCharsets.UTF_8);
        String body = sendTo("GET", "http://localhost:" + sandboxControlPort + "/stats?credential=" + part, null, null).body();
        long served = 0;
        Matcher m = Pattern.compile("\"[A-Z]+ [^\"]*\"\\s*:\\s*(\\d+)").matcher(body);
        while (m.find()) {
            served += Long.parseLong(m.group(1));
        }
        return served;
    }

    void resetSandboxCounts() {
        sendTo("DELETE", "http://localhost:" + sandboxControlPort + "/stats", null, null);
    }

    HttpResponse<String> send(String method, String service, String path, String body, String token) {
        return sendTo(method, url(service) + path, body, token);
    }

    HttpResponse<String> sendTo(String method, String url, String body, String token, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private int status(String url) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    static String field(String json, String regex) {
        Matcher m = Pattern.compile(regex).matcher(json);
        assertThat(m.find()).as("%s in %s", regex, json).isTrue();
        return m.group(1);
    }

    @Override
    public void close() {
        running.values().forEach(JvmProcess::stop);
        running.clear();
        if (pgBouncer != null) {
            pgBouncer.close();
        }
        dbProxy.close();
        db.close();
        http.close();
    }

    // --- Behind PgBouncer (BehindPgBouncerIT) ----------------------------------------------------------------------

    /** PgBouncer between every service and PostgreSQL, when started by {@link #startBehindPgBouncer}; else null. */
    PgBouncer pgBouncer;

    /**
     * Starts everything with every service connected through a real PgBouncer in transaction mode, as the chart runs
     * them with {@code pgbouncer.enabled}: {@code DATABASE_PGBOUNCER=true}, and migrations straight at PostgreSQL
     * through {@code DATABASE_MIGRATION_URL}. {@code extra} adds or overrides environment variables per service.
     */
    static BallastSystem startBehindPgBouncer(Map<String, Map<String, String>> extra) {
        BallastSystem system = new BallastSystem(Map.of());
        try {
            system.pgBouncer = PgBouncer.start(system.db, system.logs);
            system.environments.forEach((service, env) -> {
                env.put("DATABASE_URL", system.pgBouncer.jdbcUrl(system.db.name()));
                env.put("DATABASE_PGBOUNCER", "true");
                env.put("DATABASE_MIGRATION_URL", system.db.jdbcUrl());
                env.putAll(extra.getOrDefault(service, Map.of()));
            });
            system.startSandbox();
            SERVICES.forEach(system::startService);
            SERVICES.forEach(system::awaitReady);
            return system;
        } catch (RuntimeException | Error e) {
            system.close();
            throw e;
        }
    }

    // -----------------------------------------------------------------------------------------------------------------

    private void put(Map<String, String> env, String... names) {
        for (String name : names) {
            env.put(name, secrets.get(name));
        }
    }

    private static byte[] random(int n) {
        byte[] bytes = new byte[n];
        new SecureRandom().nextBytes(bytes);
        return bytes;
    }

    private static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

}
