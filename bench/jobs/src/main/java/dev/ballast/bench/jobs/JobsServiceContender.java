package dev.ballast.bench.jobs;

import dev.ballast.jobs.queue.JobQueue;
import dev.ballast.resilience.db.SchemaMigrator;
import dev.ballast.jobs.queue.JobQueue.NewJob;
import io.micronaut.context.ApplicationContext;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.runtime.Micronaut;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * jobs-service in this JVM: the real application context (HTTP server on a random port, migrations, workers) on
 * the bench's database, with {@link NoopJobHandler} registered as job type {@code noop}. Enqueueing goes through
 * the {@link JobQueue} bean, the same in-process API the service's own features use.
 */
final class JobsServiceContender implements Contender {

    static final String TYPE = "noop";
    private static final UUID WORKSPACE = UUID.fromString("00000000-0000-0000-0000-00000000b0b0");

    private final BenchPostgres pg;
    private final String database;
    private final Map<String, Object> properties;
    private ApplicationContext context;
    private JobQueue queue;
    private Connection monitor;

    JobsServiceContender(BenchPostgres pg, String database, int poolSize, Map<String, Object> jobsSettings) {
        this.pg = pg;
        this.database = database;
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("micronaut.server.port", -1);
        p.put("datasources.default.url", pg.jdbcUrl(database));
        p.put("datasources.default.username", pg.user());
        p.put("datasources.default.password", "");
        p.put("datasources.default.maximum-pool-size", poolSize);
        p.put("datasources.default.minimum-idle", poolSize);
        p.putAll(jobsSettings);
        this.properties = p;
    }

    @Override
    public String name() {
        return "jobs";
    }

    @Override
    public String database() {
        return database;
    }

    @Override
    public String settings() {
        Map<String, Object> shown = new TreeMap<>();
        properties.forEach((k, v) -> {
            if (k.startsWith("ballast.jobs.") || k.endsWith("pool-size")) {
                shown.put(k, v);
            }
        });
        String knobs = ballastJobsSettings();
        return "jobs-service in-process (Micronaut context, JobQueue.enqueueAll / enqueue), overrides " + shown
                + (knobs.isEmpty() ? "" : ", effective " + knobs);
    }

    private String ballastJobsSettings() {
        if (context == null) {
            return "";
        }
        Map<String, Object> effective = new TreeMap<>(context.getEnvironment().getProperties("ballast.jobs.workers"));
        return effective.isEmpty() ? "" : "ballast.jobs.workers." + effective;
    }

    @Override
    public void start() throws SQLException {
        context = Micronaut.build(new String[0])
                .mainClass(JobsServiceContender.class)
                .banner(false)
                .properties(properties)
                .start();
        // Migrations run in the background; like a deployment waiting for readiness, enqueue only once they are done.
        SchemaMigrator migrator = context.getBean(SchemaMigrator.class);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!migrator.migrated()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("jobs-service schema not migrated after 60 s: " + migrator.lastFailure());
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
        }
        queue = context.getBean(JobQueue.class);
        monitor = DriverManager.getConnection(pg.jdbcUrl(database), pg.user(), "");
    }

    @Override
    public void enqueueBatch(int phase, int first, int count) {
        List<NewJob> jobs = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            jobs.add(job(phase, i));
        }
        queue.enqueueAll(jobs);
    }

    @Override
    public void enqueueOne(int phase, int job) {
        queue.enqueue(job(phase, job));
    }

    private static NewJob job(int phase, int job) {
        JsonNode payload = JsonNode.createObjectNode(Map.of(
                "p", JsonNode.createNumberNode(phase),
                "i", JsonNode.createNumberNode(job)));
        return new NewJob(TYPE, WORKSPACE, payload, null, null, null, null);
    }

    @Override
    public long unfinished() throws SQLException {
        return count("SELECT count(*) FROM jobs.jobs WHERE status IN ('available', 'running')");
    }

    @Override
    public long failed() throws SQLException {
        return count("SELECT count(*) FROM jobs.jobs WHERE status IN ('dead', 'cancelled') OR attempt > 1");
    }

    private long count(String sql) throws SQLException {
        try (Statement st = monitor.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() throws SQLException {
        if (context != null) {
            context.close();
        }
        if (monitor != null) {
            monitor.close();
        }
    }
}
