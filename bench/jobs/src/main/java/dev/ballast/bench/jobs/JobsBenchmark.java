package dev.ballast.bench.jobs;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Issue 5's measurement: the same no-op jobs through jobs-service, db-scheduler and JobRunr, one after another in
 * this JVM, each on its own database of one embedded PostgreSQL 17, each with the same number of worker threads.
 *
 * <p>Per contender: warm-up ({@code BENCH_WARMUP_JOBS} in batches, then a short trickle), then
 * <b>throughput</b>: {@code BENCH_JOBS} jobs enqueued through the system's batch API in batches of
 * {@code BENCH_BATCH} while its workers run; jobs/s = jobs / (time from the first handler start until the store
 * shows every job finished). Counting from the first start rather than the first enqueue call keeps a poll
 * interval out of a throughput figure (JobRunr's 5 s would otherwise count against it); the start delay is what the
 * latency phase measures. The figure from the first enqueue call is printed too. Then <b>start latency</b>: {@code BENCH_TRICKLE_JOBS} jobs enqueued one at a time,
 * one every {@code BENCH_TRICKLE_INTERVAL_MS} (open loop); latency = handler start - the instant the enqueue call
 * was made. Before any figure is printed, each phase checks that every job ran exactly once, that no job of
 * another phase ran, and that the store holds no unfinished or failed job.
 *
 * <p>All of that {@code BENCH_ROUNDS} times, each round on fresh databases and with the contenders' order rotated,
 * so a burst of load from elsewhere on the machine does not land on one contender alone. Figures: the median
 * round's jobs/s, and latency percentiles over the trickled jobs of all rounds.
 */
public final class JobsBenchmark {

    private static final int PHASE_WARMUP = 1;
    private static final int PHASE_WARMUP_TRICKLE = 2;
    private static final int PHASE_THROUGHPUT = 3;
    private static final int PHASE_LATENCY = 4;

    private final Settings s;

    private JobsBenchmark(Settings s) {
        this.s = s;
    }

    public static void main(String[] args) throws Exception {
        Settings s = Settings.fromEnvironment();
        int code = new JobsBenchmark(s).run();
        System.out.flush();
        // JobRunr and Micronaut leave non-daemon threads behind; the figures are out, so end the JVM.
        System.exit(code);
    }

    private int run() throws Exception {
        Map<String, Rounds> results = new LinkedHashMap<>();
        List<String> failures = new ArrayList<>();
        try (BenchPostgres pg = BenchPostgres.start(s.statementStats)) {
            say("PostgreSQL " + pg.version() + " (embedded, fsync=off, synchronous_commit=off), "
                    + Runtime.getRuntime().availableProcessors() + " CPUs, Java " + Runtime.version()
                    + ", load average at the start: " + loadAverage());
            say("every contender: " + s.threads + " worker threads, " + s.poolSize + " connections; per round a fresh"
                    + " database, warm-up " + s.warmupJobs + " jobs, then " + s.jobs + " jobs in batches of "
                    + s.batch + ", then " + s.trickleJobs + " jobs one every " + s.trickleIntervalMs + " ms; "
                    + s.rounds + " rounds, the contenders' order rotating each round");
            s.contenders.forEach(name -> results.put(name, new Rounds()));
            for (int round = 0; round < s.rounds && failures.isEmpty(); round++) {
                for (int k = 0; k < s.contenders.size(); k++) {
                    String name = s.contenders.get((k + round) % s.contenders.size());
                    pg.checkpoint();
                    System.gc();
                    try (Contender c = create(name, pg)) {
                        say("round " + (round + 1) + ": " + name);
                        measure(c, pg, results.get(name));
                    } catch (Exception | AssertionError e) {
                        failures.add(name + ": " + e);
                        System.err.println("bench: FAILED " + name + ": " + e);
                        e.printStackTrace(System.err);
                        break;
                    }
                }
            }
        }
        if (Tally.straysEver() > 0) {
            failures.add(Tally.straysEver() + " job runs arrived outside their phase (duplicates or leftovers)");
        }
        if (!failures.isEmpty()) {
            failures.forEach(f -> System.err.println("bench: FAILED " + f));
            say("no figures: a contender failed (see above)");
            return 1;
        }
        report(results);
        return 0;
    }

    private Contender create(String name, BenchPostgres pg) throws Exception {
        return switch (name) {
            case "jobs" -> new JobsServiceContender(pg, pg.createDatabase("bench_jobs"), s.poolSize, s.jobsProperties);
            case "dbscheduler" -> new DbSchedulerContender(
                    pg.pool(pg.createDatabase("bench_dbscheduler"), "dbscheduler", s.poolSize), s.threads,
                    s.dbsLower, s.dbsUpper, Duration.ofMillis(s.dbsPollMs));
            case "jobrunr" -> new JobRunrContender(
                    pg.pool(pg.createDatabase("bench_jobrunr"), "jobrunr", s.poolSize), s.threads,
                    Duration.ofSeconds(s.jobrunrPollS));
            default -> throw new IllegalArgumentException("unknown contender " + name
                    + " (BENCH_CONTENDERS takes jobs, dbscheduler, jobrunr)");
        };
    }

    private void measure(Contender c, BenchPostgres pg, Rounds rounds) throws Exception {
        c.start();
        if (rounds.perSecond.isEmpty()) {
            say(c.name() + ": " + c.settings());
        }

        long t = System.nanoTime();
        batchPhase(c, PHASE_WARMUP, s.warmupJobs);
        trickle(c, PHASE_WARMUP_TRICKLE, s.warmupTrickleJobs);
        say(String.format(Locale.ROOT, "%s: warm-up done in %.1f s", c.name(), seconds(System.nanoTime() - t)));

        if (s.analyze) {
            pg.analyze(c.database());
        }
        if (s.statementStats) {
            pg.resetStatementStats();
        }
        Map<String, String> autovacuum0 = pg.autovacuumRuns(c.database());
        CpuClock cpu0 = CpuClock.now();
        Batch b = batchPhase(c, PHASE_THROUGHPUT, s.jobs);
        CpuClock cpu = CpuClock.now().since(cpu0);
        // Autovacuum replans a queue's statements mid-run; say when it ran, since it can move the figure a lot.
        pg.autovacuumRuns(c.database()).forEach((table, runs) -> {
            if (!runs.equals(autovacuum0.get(table))) {
                say(c.name() + ": autovacuum ran on " + table + " during the throughput phase (" + autovacuum0.get(table)
                        + " -> " + runs + ")");
            }
        });
        if (s.statementStats) {
            say(c.name() + ": statements of the throughput phase, most time first:");
            pg.statementStats(c.database(), 12).forEach(line -> say("  " + line));
        }
        double perSecond = s.jobs / seconds(b.done - b.tally.firstStart());
        say(String.format(Locale.ROOT,
                "%s: %d jobs, first start to all finished %.2f s = %.0f jobs/s; first enqueue call to all finished"
                        + " %.2f s = %.0f jobs/s (enqueue calls took %.2f s, first start came %.0f ms after the first"
                        + " enqueue call); CPU per job: JVM %.0f µs, PostgreSQL %.0f µs",
                c.name(), s.jobs, seconds(b.done - b.tally.firstStart()), perSecond, seconds(b.done - b.firstEnqueue),
                s.jobs / seconds(b.done - b.firstEnqueue), seconds(b.enqueued - b.firstEnqueue),
                ms(b.tally.firstStart() - b.firstEnqueue), cpu.jvmNanos() / 1e3 / s.jobs,
                cpu.postgresNanos() / 1e3 / s.jobs));
        rounds.addBurst(s.jobs / seconds(b.done - b.firstEnqueue));

        Tally lat = trickle(c, PHASE_LATENCY, s.trickleJobs);
        double[] l = lat.startLatenciesMs();
        say(String.format(Locale.ROOT, "%s: start latency over %d trickled jobs: p50 %.2f ms, p99 %.2f ms, max %.2f ms",
                c.name(), l.length, Tally.percentile(l, 50), Tally.percentile(l, 99), l[l.length - 1]));
        rounds.add(perSecond, l);
    }

    private record Batch(Tally tally, long firstEnqueue, long enqueued, long done) {
    }

    private Batch batchPhase(Contender c, int phase, int jobs) throws Exception {
        Tally tally = Tally.open(phase, jobs);
        long first = System.nanoTime();
        for (int i = 0; i < jobs; i += s.batch) {
            int n = Math.min(s.batch, jobs - i);
            long at = System.nanoTime();
            for (int j = i; j < i + n; j++) {
                tally.enqueued(j, at);
            }
            c.enqueueBatch(phase, i, n);
        }
        long enqueued = System.nanoTime();
        long done = awaitFinished(c, tally);
        verify(c, tally);
        return new Batch(tally, first, enqueued, done);
    }

    private Tally trickle(Contender c, int phase, int jobs) throws Exception {
        Tally tally = Tally.open(phase, jobs);
        long interval = TimeUnit.MILLISECONDS.toNanos(s.trickleIntervalMs);
        long next = System.nanoTime();
        for (int i = 0; i < jobs; i++) {
            long wait;
            while ((wait = next - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            tally.enqueued(i, System.nanoTime());
            c.enqueueOne(phase, i);
            next += interval;
        }
        awaitFinished(c, tally);
        verify(c, tally);
        return tally;
    }

    /** Waits until every job's handler started and the store shows none unfinished; returns that instant. */
    private long awaitFinished(Contender c, Tally tally) throws Exception {
        if (!tally.awaitAllStarted(s.timeoutS, TimeUnit.SECONDS)) {
            throw new AssertionError(c.name() + ": only " + tally.started() + " of " + tally.size()
                    + " jobs of phase " + tally.phase() + " started within " + s.timeoutS + " s");
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(s.timeoutS);
        while (c.unfinished() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(c.name() + ": " + c.unfinished() + " jobs still unfinished in the store");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
        return System.nanoTime();
    }

    private void verify(Contender c, Tally tally) throws Exception {
        // A duplicate run would show up shortly after the last completion; give it that chance.
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(s.settleMs));
        String wrong = tally.notExactlyOnce();
        if (!wrong.isEmpty()) {
            throw new AssertionError(c.name() + ": phase " + tally.phase() + " not exactly once: " + wrong);
        }
        if (tally.strays() > 0) {
            throw new AssertionError(c.name() + ": " + tally.strays() + " runs of another phase during phase "
                    + tally.phase());
        }
        long failed = c.failed();
        if (failed > 0) {
            throw new AssertionError(c.name() + ": " + failed + " jobs failed or were retried");
        }
        long unfinished = c.unfinished();
        if (unfinished > 0) {
            throw new AssertionError(c.name() + ": " + unfinished + " jobs unfinished after phase " + tally.phase());
        }
    }

    /** A contender's figures over all rounds: jobs/s of each round, and every trickled job's start latency. */
    private static final class Rounds {
        final List<Double> perSecond = new ArrayList<>();
        final List<Double> burstPerSecond = new ArrayList<>();
        final List<Double> latencies = new ArrayList<>();

        void addBurst(double jobsPerSecond) {
            burstPerSecond.add(jobsPerSecond);
        }

        void add(double jobsPerSecond, double[] latenciesMs) {
            perSecond.add(jobsPerSecond);
            for (double l : latenciesMs) {
                latencies.add(l);
            }
        }

        double medianPerSecond() {
            return median(perSecond);
        }

        static double median(List<Double> values) {
            double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }

        double latency(double p) {
            return Tally.percentile(latencies.stream().mapToDouble(Double::doubleValue).sorted().toArray(), p);
        }
    }

    private void report(Map<String, Rounds> results) {
        say("load average at the end: " + loadAverage());
        results.forEach((name, r) -> say(String.format(Locale.ROOT,
                "%-12s median %6.0f jobs/s (rounds: %s; from first enqueue call: median %.0f)"
                        + "   start latency p50 %8.2f ms  p99 %8.2f ms  max %8.2f ms",
                name, r.medianPerSecond(), r.perSecond.stream().map(v -> String.format(Locale.ROOT, "%.0f", v)).toList(),
                Rounds.median(r.burstPerSecond), r.latency(50), r.latency(99), r.latency(100))));
        Rounds jobs = results.get("jobs");
        Rounds dbs = results.get("dbscheduler");
        Rounds jr = results.get("jobrunr");
        if (dbs != null) {
            result("dbscheduler_jobs_per_s", dbs.medianPerSecond(), "%.0f", "jobs/s");
            result("dbscheduler_start_latency_p50_ms", dbs.latency(50), "%.2f", "ms");
            result("dbscheduler_start_latency_p99_ms", dbs.latency(99), "%.2f", "ms");
        }
        if (jr != null) {
            result("jobrunr_jobs_per_s", jr.medianPerSecond(), "%.0f", "jobs/s");
            result("jobrunr_start_latency_p50_ms", jr.latency(50), "%.2f", "ms");
            result("jobrunr_start_latency_p99_ms", jr.latency(99), "%.2f", "ms");
        }
        if (jobs != null) {
            result("jobs_start_latency_p99_ms", jobs.latency(99), "%.2f", "ms");
            result("jobs_start_latency_p50_ms", jobs.latency(50), "%.2f", "ms");
            result("jobs_per_s", jobs.medianPerSecond(), "%.0f", "jobs/s");
            if (dbs != null) {
                result("jobs_vs_dbscheduler_ratio", jobs.medianPerSecond() / dbs.medianPerSecond(), "%.2f", "ratio");
            }
            if (jr != null) {
                result("jobs_vs_jobrunr_ratio", jobs.medianPerSecond() / jr.medianPerSecond(), "%.2f", "ratio");
            }
        }
    }

    private static void result(String name, double value, String format, String unit) {
        System.out.println("RESULT " + name + " " + String.format(Locale.ROOT, format, value) + " " + unit);
    }

    private static String loadAverage() {
        try {
            return java.nio.file.Files.readString(java.nio.file.Path.of("/proc/loadavg")).trim();
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    private static void say(String line) {
        System.out.println("bench: " + line);
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }

    /** The knobs, from BENCH_* environment variables. */
    record Settings(List<String> contenders, int jobs, int warmupJobs, int warmupTrickleJobs, int batch, int threads,
                    int poolSize, int trickleJobs, int trickleIntervalMs, double dbsLower, double dbsUpper,
                    int dbsPollMs, int jobrunrPollS, Map<String, Object> jobsProperties, int timeoutS, int settleMs,
                    int rounds, boolean statementStats, boolean analyze) {

        static Settings fromEnvironment() {
            int threads = intEnv("BENCH_THREADS", 16);
            Map<String, Object> jobsProps = new LinkedHashMap<>();
            // The same number of handlers at once as the peers' worker threads; the rest stays at the defaults.
            jobsProps.put("ballast.jobs.workers.concurrency", threads);
            String raw = System.getenv().getOrDefault("BENCH_JOBS_PROPERTIES", "");
            for (String pair : raw.split(",")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    jobsProps.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
                }
            }
            return new Settings(
                    List.of(System.getenv().getOrDefault("BENCH_CONTENDERS", "jobs,dbscheduler,jobrunr").split(",")),
                    intEnv("BENCH_JOBS", 20_000),
                    intEnv("BENCH_WARMUP_JOBS", 10_000),
                    intEnv("BENCH_WARMUP_TRICKLE_JOBS", 100),
                    intEnv("BENCH_BATCH", 1_000),
                    threads,
                    intEnv("BENCH_POOL", threads + 4),
                    intEnv("BENCH_TRICKLE_JOBS", 500),
                    intEnv("BENCH_TRICKLE_INTERVAL_MS", 20),
                    doubleEnv("BENCH_DBS_LOWER", 1.0),
                    doubleEnv("BENCH_DBS_UPPER", 4.0),
                    intEnv("BENCH_DBS_POLL_MS", 100),
                    intEnv("BENCH_JOBRUNR_POLL_S", 5),
                    jobsProps,
                    intEnv("BENCH_TIMEOUT_S", 600),
                    intEnv("BENCH_SETTLE_MS", 300),
                    intEnv("BENCH_ROUNDS", 3),
                    intEnv("BENCH_PG_STATEMENTS", 0) == 1,
                    intEnv("BENCH_ANALYZE", 0) == 1);
        }

        private static int intEnv(String name, int fallback) {
            String v = System.getenv(name);
            return v == null || v.isBlank() ? fallback : Integer.parseInt(v.trim());
        }

        private static double doubleEnv(String name, double fallback) {
            String v = System.getenv(name);
            return v == null || v.isBlank() ? fallback : Double.parseDouble(v.trim());
        }
    }
}
