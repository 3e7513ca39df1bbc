package dev.ballast.jobs.periodic;

import dev.ballast.jobs.queue.JobQueue;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import dev.ballast.jobs.testing.TestJob;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeriodicJobsTest {

    private static final UUID WS_A = UUID.randomUUID();
    private static final UUID WS_B = UUID.randomUUID();
    private JobsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = JobsServiceUnderTest.start(Map.of(
                "ballast.jobs.periodic.kinds.digest.job-type", "workspace-daily-digest",
                "ballast.jobs.periodic.kinds.digest.period", "day",
                "ballast.jobs.periodic.kinds.digest.workspaces", WS_A + "," + WS_B,
                "ballast.jobs.periodic.kinds.hourly.job-type", "workspace-hourly-check",
                "ballast.jobs.periodic.kinds.hourly.period", "hour",
                "ballast.jobs.periodic.kinds.hourly.enabled", "false",
                "ballast.jobs.periodic.kinds.seen.job-type", "seen-workspaces-report",
                "ballast.jobs.periodic.kinds.seen.enabled", "false"));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void twentyReplicasEnqueueingTheSamePeriodAtOnceMakeOneJobAndOneRunRow() throws Exception {
        PeriodicRuns runs = service.bean(PeriodicRuns.class);
        UUID ws = UUID.randomUUID();
        int replicas = 20;
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(replicas);
        try {
            List<Future<PeriodicRuns.Run>> results = new ArrayList<>();
            for (int i = 0; i < replicas; i++) {
                results.add(pool.submit(() -> {
                    go.await();
                    return runs.enqueue("race", "workspace-daily-digest", ws, "2025-03-01");
                }));
            }
            go.countDown();
            List<PeriodicRuns.Run> done = new ArrayList<>();
            for (Future<PeriodicRuns.Run> f : results) {
                done.add(f.get(30, TimeUnit.SECONDS));
            }
            assertThat(done).extracting(PeriodicRuns.Run::jobId).containsOnly(done.getFirst().jobId());
            assertThat(done).filteredOn(PeriodicRuns.Run::created).hasSize(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE workspace_id = ?", ws)).isEqualTo(1);
        assertThat(service.count("SELECT count(*) FROM jobs.periodic_runs WHERE workspace_id = ?", ws)).isEqualTo(1);
        Map<String, Object> job = service.query(
                "SELECT j.id, j.dedupe_key, j.type, j.status, j.payload->>'period' AS period, r.job_id "
                        + "FROM jobs.jobs j JOIN jobs.periodic_runs r ON r.job_id = j.id WHERE j.workspace_id = ?", ws)
                .getFirst();
        assertThat(job).containsEntry("dedupe_key", "periodic:race:" + ws + ":2025-03-01")
                .containsEntry("type", "workspace-daily-digest").containsEntry("status", "available")
                .containsEntry("period", "2025-03-01");

        PeriodicRuns.Run next = runs.enqueue("race", "workspace-daily-digest", ws, "2025-03-02");
        assertThat(next.created()).isTrue();
        assertThat(next.jobId()).isNotEqualTo(job.get("id"));
        assertThat(service.count("SELECT count(*) FROM jobs.periodic_runs WHERE workspace_id = ?", ws)).isEqualTo(2);
    }

    @Test
    void aFinishedPeriodicJobIsNotEnqueuedAgainInItsPeriod() {
        PeriodicRuns runs = service.bean(PeriodicRuns.class);
        UUID ws = UUID.randomUUID();
        long id = runs.enqueue("done", "workspace-daily-digest", ws, "2025-03-01").jobId();
        service.execute("UPDATE jobs.jobs SET status = 'succeeded', finished_at = now() WHERE id = ?", id);
        PeriodicRuns.Run again = runs.enqueue("done", "workspace-daily-digest", ws, "2025-03-01");
        assertThat(again.created()).isFalse();
        assertThat(again.jobId()).isEqualTo(id);
        assertThat(service.queryOne("SELECT status FROM jobs.jobs WHERE id = ?", id)).isEqualTo("succeeded");
    }

    @Test
    void theSchedulerEnqueuesOncePerUtcDayForEachConfiguredWorkspace() {
        PeriodicScheduler scheduler = service.bean(PeriodicScheduler.class);
        Instant morning = Instant.parse("2030-06-01T00:00:05Z");
        assertThat(scheduler.tick(morning).created("digest")).isEqualTo(2);
        assertThat(scheduler.tick(Instant.parse("2030-06-01T23:59:59Z")).existing("digest")).isEqualTo(2);
        assertThat(scheduler.tick(Instant.parse("2030-06-01T23:59:59Z")).created("digest")).isZero();
        assertThat(scheduler.tick(Instant.parse("2030-06-02T00:00:00Z")).created("digest")).isEqualTo(2);
        assertThat(service.query("SELECT period FROM jobs.periodic_runs WHERE kind = 'digest' AND workspace_id = ? "
                + "ORDER BY period", WS_A)).extracting(r -> r.get("period")).containsExactly("2030-06-01", "2030-06-02");
        // disabled kinds enqueue nothing
        assertThat(service.count("SELECT count(*) FROM jobs.periodic_runs WHERE kind IN ('hourly', 'seen')")).isZero();
    }

    @Test
    void activeWorkspacesAreThoseWithARecentNonPeriodicJobEnqueued() throws Exception {
        PeriodicRuns runs = service.bean(PeriodicRuns.class);
        JobQueue queue = service.bean(JobQueue.class);
        UUID recent = UUID.randomUUID();
        UUID stale = UUID.randomUUID();
        UUID onlyPeriodic = UUID.randomUUID();
        UUID onlyInTheTable = UUID.randomUUID();
        TestJob.of("email-inbound-post-process").workspace(recent).enqueue(queue);
        TestJob.of("email-inbound-post-process").workspace(stale).enqueue(queue);
        TestJob.of("workspace-daily-digest").workspace(onlyPeriodic).enqueue(queue);
        // Noted in memory at enqueue, written on the next read.
        assertThat(service.count("SELECT count(*) FROM jobs.workspace_activity WHERE workspace_id IN (?, ?, ?)",
                recent, stale, onlyPeriodic)).isZero();
        assertThat(runs.activeWorkspaces(Instant.now(), java.time.Duration.ofDays(7), List.of("workspace-daily-digest")))
                .contains(recent, stale).doesNotContain(onlyPeriodic);

        service.execute("UPDATE jobs.workspace_activity SET last_job_at = now() - interval '30 days' WHERE workspace_id = ?",
                stale);
        // A job inserted without the queue (another replica's flushed note) counts the same.
        service.execute("INSERT INTO jobs.workspace_activity VALUES (?, 'email-inbound-post-process', now())",
                onlyInTheTable);
        // A later job of the same workspace and type moves its time forward, never back.
        TestJob.of("email-inbound-post-process").workspace(recent).enqueue(queue);
        List<UUID> active = runs.activeWorkspaces(Instant.now(), java.time.Duration.ofDays(7),
                List.of("workspace-daily-digest"));
        assertThat(active).contains(recent, onlyInTheTable).doesNotContain(stale, onlyPeriodic);
        assertThat(service.count("SELECT count(*) FROM jobs.workspace_activity WHERE workspace_id = ?", recent))
                .isEqualTo(1);
        assertThat(service.count("SELECT count(*) FROM jobs.workspace_activity WHERE workspace_id = ? "
                + "AND last_job_at > now() - interval '1 minute'", recent)).isEqualTo(1);
    }

    @Test
    void periodKeysAreUtcDaysAndHours() {
        Instant t = Instant.parse("2030-12-31T23:30:00Z");
        assertThat(Period.DAY.key(t)).isEqualTo("2030-12-31");
        assertThat(Period.HOUR.key(t)).isEqualTo("2030-12-31T23");
        // ISO week: 2030-12-31 is the Tuesday of the first week of 2031
        assertThat(Period.WEEK.key(t)).isEqualTo("2031-W01");
        assertThat(Period.WEEK.window("2031-W01")).isEqualTo(new Period.Window(
                Instant.parse("2030-12-30T00:00:00Z"), Instant.parse("2031-01-06T00:00:00Z")));
        assertThat(Period.DAY.window("2030-12-31").end()).isEqualTo(Instant.parse("2031-01-01T00:00:00Z"));
        assertThat(Period.HOUR.window("2030-12-31T23").start()).isEqualTo(Instant.parse("2030-12-31T23:00:00Z"));
        assertThatThrownBy(() -> Period.WEEK.window("2031-W99")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Period.DAY.window("2031-02-30")).isInstanceOf(IllegalArgumentException.class);
    }
}
