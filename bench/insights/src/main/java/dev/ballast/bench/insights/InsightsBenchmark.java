package dev.ballast.bench.insights;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import io.micronaut.runtime.server.EmbeddedServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;


/**
 * Context packs through insights-service's cron, ticks back to back, against an LLM stand-in ({@link StandIn}) that
 * answers every call after 50 ms. The reference is the LLM-latency bound of the knobs in force, measured in the same run: the rate of
 * lead-insight calls the stand-in serves with as many calls in flight as the tick may have, called directly. The
 * peak of Hikari's active connections is sampled every 200 us throughout, and again in short runs at other concurrency knobs.
 */
public final class InsightsBenchmark {

    private static final String CRON_TOKEN = "bench-cron-token";
    private static final int LLM_DELAY_MS = 50;

    public static void main(String[] args) throws Exception {
        int packs = intEnv("BENCH_PACKS", 1000);
        int leads = intEnv("BENCH_LEADS", 20);
        int limit = intEnv("BENCH_PACK_LIMIT", 10);
        int concurrency = intEnv("BENCH_CONCURRENCY", 8);
        int poolSize = intEnv("BENCH_POOL_SIZE", 10);
        System.out.println("bench: " + packs + " packs x " + leads + " leads, LLM stand-in " + LLM_DELAY_MS
                + " ms per call, packLimit=" + limit + " batch=15 concurrency=" + concurrency);
        try (StandIn standIn = new StandIn(LLM_DELAY_MS); EmbeddedPostgres pg = EmbeddedPostgres.builder().setServerConfig("max_connections", "200")
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "off").start()) {
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .executor(Executors.newVirtualThreadPerTaskExecutor()).build();
            int inFlight = Math.min(concurrency, limit * 15);
            measuredBound(http, standIn.baseUrl(), inFlight, 200);
            double before = measuredBound(http, standIn.baseUrl(), inFlight, 800);

            Run main = run(pg, "bench_main", http, standIn, packs, leads, limit, concurrency, poolSize);
            double after = measuredBound(http, standIn.baseUrl(), inFlight, 800);
            // The stricter of the two: a machine that was busier during one of them does not flatter the ratio.
            double bound = Math.max(before, after);
            System.out.printf(Locale.ROOT, "bench: LLM-latency bound, %d calls in flight straight to the stand-in: "
                    + "%.1f calls/s before, %.1f after the run (nominal %d / %d ms = %.0f)%n", inFlight, before, after,
                    inFlight, LLM_DELAY_MS, inFlight * 1000.0 / LLM_DELAY_MS);
            // Every lead asked once, every pack synthesized once: no call repeated under the same key.
            long repeated = standIn.callsByKey().values().stream().filter(n -> n.get() != 1).count();
            if (standIn.callsByKey().size() != packs * (leads + 1) || repeated > 0) {
                System.err.println("bench: FAILED: " + standIn.callsByKey().size() + " LLM keys, " + repeated
                        + " called more than once; expected " + packs * (leads + 1) + " each once");
                System.exit(1);
            }
            double leadsPerS = main.leads() * 1000.0 / main.millis();
            System.out.printf(Locale.ROOT, "bench: main run: %d leads in %d ms over %d ticks, peak %d active connections"
                    + " of %d%n", main.leads(), main.millis(), main.ticks(), main.peak(), poolSize);
            int peak = main.peak();
            for (int c : new int[] {1, 4}) {
                Run sweep = run(pg, "bench_c" + c, http, standIn, 60, leads, limit, c, poolSize);
                System.out.printf(Locale.ROOT, "bench: concurrency=%d: %d leads in %d ms, peak %d active connections%n",
                        c, sweep.leads(), sweep.millis(), sweep.peak());
                peak = Math.max(peak, sweep.peak());
            }
            System.out.println("pool_size=" + poolSize);
            System.out.printf(Locale.ROOT, "RESULT insights_leads_per_s %.1f leads/s%n", leadsPerS);
            System.out.printf(Locale.ROOT, "RESULT insights_vs_llm_bound_ratio %.3f ratio%n", leadsPerS / bound);
            System.out.printf(Locale.ROOT, "RESULT insights_peak_db_connections %d connections%n", peak);
        }
        System.exit(0);
    }

    private record Run(long leads, long millis, int ticks, int peak) {
    }

    /** One insights-service on a fresh database: packs inserted, ticks back to back until every pack is complete. */
    private static Run run(EmbeddedPostgres pg, String database, HttpClient http, StandIn standIn, int packs, int leads, int limit, int concurrency, int poolSize)
            throws Exception {
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement st = c.createStatement()) {
            st.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
            st.execute("CREATE DATABASE " + database);
        }
        String url = "jdbc:postgresql://localhost:" + pg.getPort() + "/" + database;
        Map<String, Object> props = new HashMap<>();
        props.put("datasources.default.url", url);
        props.put("datasources.default.username", "postgres");
        props.put("datasources.default.password", "");
        props.put("datasources.default.maximum-pool-size", poolSize);
        props.put("micronaut.server.port", -1);
        props.put("micronaut.http.services.integrations.url", standIn.baseUrl());
        props.put("micronaut.http.services.webhook.url", standIn.baseUrl());
        props.put("ballast.insights.cron.token", CRON_TOKEN);
        props.put("ballast.insights.context-packs.cron-limit", limit);
        props.put("ballast.insights.context-packs.lead-concurrency", concurrency);
        try (ApplicationContext ctx = ApplicationContext.run(EmbeddedServer.class, props, "bench")
                .getApplicationContext()) {
            URI base = ctx.getBean(EmbeddedServer.class).getURI();
            waitReady(http, base);
            try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement()) {
                st.execute("""
                        WITH p AS (
                            INSERT INTO insights.context_packs (workspace_id, total_leads, question)
                            SELECT gen_random_uuid(), %d, 'Who wants a meeting?' FROM generate_series(1, %d)
                            RETURNING id)
                        INSERT INTO insights.pack_leads (pack_id, position, lead_id)
                        SELECT p.id, l - 1, l FROM p, generate_series(1, %d) AS l""".formatted(leads, packs, leads));
            }
            Gauge active = ctx.getBean(MeterRegistry.class).find("hikaricp.connections.active").gauge();
            AtomicInteger peak = new AtomicInteger();
            AtomicBoolean sampling = new AtomicBoolean(true);
            // Every 200 us: a busy loop would take a whole CPU of a small machine from what it measures.
            Thread sampler = Thread.ofPlatform().daemon().start(() -> {
                while (sampling.get()) {
                    peak.accumulateAndGet((int) active.value(), Math::max);
                    LockSupport.parkNanos(200_000);
                }
            });
            long started = System.nanoTime();
            int ticks = 0;
            long processed = 0;
            // Until a tick finds no pack left to claim (then every pack is complete: checked below).
            while (true) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(base.resolve("/cron/insights/context-packs"))
                        .header("Authorization", "Bearer " + CRON_TOKEN)
                        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() != 200) {
                    throw new IllegalStateException("tick answered " + r.statusCode() + ": " + r.body());
                }
                if (r.body().contains("\"stoppedBy\":\"idle\"")) {
                    break;
                }
                ticks++;
                processed += number(r.body(), "leadsProcessed");
                if (number(r.body(), "connectionErrors") > 0 || number(r.body(), "leadsFailed") > 0) {
                    System.err.println("bench: tick with trouble: " + r.body());
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            sampling.set(false);
            sampler.join();
            long stored = count(url, "SELECT count(*) FROM insights.lead_insights");
            if (processed != (long) packs * leads || stored != processed || open(url) > 0) {
                System.err.println("bench: FAILED: " + processed + " leads processed, " + stored + " stored, expected "
                        + (long) packs * leads + " each exactly once");
                System.exit(1);
            }
            return new Run(processed, millis, ticks, peak.get());
        }
    }

    /** Lead-insight calls per second straight to the stand-in with {@code inFlight} calls at a time. */
    private static double measuredBound(HttpClient http, String llm, int inFlight, int calls) throws Exception {
        Semaphore slots = new Semaphore(inFlight);
        List<CompletableFuture<?>> all = new ArrayList<>();
        HttpRequest request = HttpRequest.newBuilder(URI.create(llm + "/ai/lead-insight"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}")).build();
        long started = System.nanoTime();
        for (int i = 0; i < calls; i++) {
            slots.acquire();
            all.add(http.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> slots.release()));
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
        return calls * 1e9 / (System.nanoTime() - started);
    }

    private static long open(String url) throws Exception {
        return count(url, "SELECT count(*) FROM insights.context_packs WHERE status <> 'complete'");
    }

    private static long count(String url, String sql) throws Exception {
        try (Connection c = DriverManager.getConnection(url, "postgres", ""); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static long number(String json, String field) {
        int at = json.indexOf("\"" + field + "\":");
        int from = at + field.length() + 3;
        int to = from;
        while (to < json.length() && Character.isDigit(json.charAt(to))) {
            to++;
        }
        return Long.parseLong(json.substring(from, to));
    }

    private static void waitReady(HttpClient http, URI base) throws Exception {
        long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < until) {
            try {
                if (http.send(HttpRequest.newBuilder(base.resolve("/health/readiness")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (java.io.IOException e) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("insights-service did not become ready");
    }

    private static int intEnv(String name, int fallback) {
        String v = System.getenv(name);
        return v == null || v.isBlank() ? fallback : Integer.parseInt(v.strip());
    }
}
