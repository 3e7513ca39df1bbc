package dev.ballast.jobs.queue;

import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A smoke figure, not the benchmark (bench/ compares against db-scheduler and JobRunr): 20,000 no-op jobs through one
 * pool, and enqueue-to-start latency of single jobs into an idle pool. Bounds are loose so that a loaded CI machine
 * passes; the figures are logged.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ThroughputTest {

    private static final Logger LOG = LoggerFactory.getLogger(ThroughputTest.class);
    private TestDatabase db;
    private RunningJobsService pool;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        pool = RunningJobsService.startWorker(db, null, Map.of(
                "ballast.jobs.workers.concurrency", "32",
                "ballast.jobs.workers.poll-interval", "5s"));
    }

    @AfterAll
    void stop() {
        pool.close();
        db.close();
    }

    @Test
    void twentyThousandNoOpJobsAndEnqueueToStartLatency() {
        UUID ws = UUID.randomUUID();
        List<JobQueue.NewJob> jobs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            jobs.add(new JobQueue.NewJob("noop-test", ws, null, null, java.time.Instant.now().plusSeconds(3600), null, null));
        }
        for (int i = 0; i < 20; i++) {
            pool.queue().enqueueAll(jobs);
        }
        long started = System.nanoTime();
        pool.execute("UPDATE jobs.jobs SET run_at = now()");
        pool.bean(JobWorkers.class).wake();
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() ->
                pool.count("SELECT count(*) FROM jobs.jobs WHERE status = 'succeeded'") == 20_000);
        double seconds = (System.nanoTime() - started) / 1e9;
        LOG.info("RESULT jobs_queue_noop_throughput {} jobs/s ({} s for 20000)", Math.round(20_000 / seconds),
                String.format("%.2f", seconds));

        List<Long> delays = new ArrayList<>();
        JobQueue other = pool.queue();
        for (int i = 0; i < 200; i++) {
            long id = other.enqueue(new JobQueue.NewJob("noop-test", ws, null, null, null, null, null)).id();
            await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(2)).until(() ->
                    pool.count("SELECT count(*) FROM jobs.jobs WHERE id = ? AND status = 'succeeded'", id) == 1);
            delays.add(((Number) pool.queryOne("""
                    SELECT (extract(epoch FROM a.started_at - j.created_at) * 1000000)::bigint
                    FROM jobs.jobs j JOIN jobs.job_attempts a ON a.job_id = j.id WHERE j.id = ?""", id)).longValue());
        }
        delays.sort(Long::compare);
        LOG.info("RESULT jobs_queue_enqueue_to_start_p50 {} ms (p90 {} ms)", delays.get(100) / 1000.0,
                delays.get(180) / 1000.0);
        assertThat(20_000 / seconds).isGreaterThan(300);
        assertThat(delays.get(100)).isLessThan(100_000);
    }

    @jakarta.inject.Singleton
    static final class NoOp implements JobHandler {
        public String type() {
            return "noop-test";
        }

        public JobOutcome handle(JobContext job) {
            return JobOutcome.succeeded();
        }
    }
}
