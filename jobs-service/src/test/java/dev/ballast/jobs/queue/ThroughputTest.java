package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
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
 * 20,000 no-op jobs through one pool run once each, and single jobs enqueued into an idle pool start without waiting
 * for a poll (it polls every ten minutes here). The figures are logged; speed is judged by bench/jobs, against
 * db-scheduler and JobRunr, never by a bound here that a loaded machine could miss.
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
                "ballast.jobs.workers.poll-interval", "10m"));
    }

    @AfterAll
    void stop() {
        pool.close();
        db.close();
    }

    @Test
    void twentyThousandNoOpJobsRunOnceEachAndSingleJobsStartWithoutWaitingForAPoll() {
        UUID ws = UUID.randomUUID();
        List<JobQueue.NewJob> jobs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            jobs.add(TestJob.of("noop-test").workspace(ws).later().newJob());
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
            long id = TestJob.of("noop-test").workspace(ws).enqueue(other);
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(2)).until(() ->
                    pool.count("SELECT count(*) FROM jobs.jobs WHERE id = ? AND status = 'succeeded'", id) == 1);
            delays.add(((Number) pool.queryOne("""
                    SELECT (extract(epoch FROM a.started_at - j.created_at) * 1000000)::bigint
                    FROM jobs.jobs j JOIN jobs.job_attempts a ON a.job_id = j.id WHERE j.id = ?""", id)).longValue());
        }
        delays.sort(Long::compare);
        LOG.info("RESULT jobs_queue_enqueue_to_start_p50 {} ms (p90 {} ms)", delays.get(100) / 1000.0,
                delays.get(180) / 1000.0);
        // Once each: one attempt per job, none left over, nothing retried.
        assertThat(pool.count("SELECT count(*) FROM jobs.job_attempts WHERE job_id IN "
                + "(SELECT id FROM jobs.jobs WHERE type = 'noop-test')")).isEqualTo(20_200);
        assertThat(pool.count("SELECT count(*) FROM jobs.jobs WHERE type = 'noop-test' AND attempt <> 1")).isZero();
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
