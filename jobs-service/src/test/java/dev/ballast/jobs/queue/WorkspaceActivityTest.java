package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.JobsServiceUnderTest;
import dev.ballast.jobs.testing.TestJob;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Enqueues are noted in memory and written by the scheduled flush, one row per (workspace, type), without any read. */
class WorkspaceActivityTest {

    @Test
    void theScheduledFlushWritesWhatEnqueuesNoted() {
        try (JobsServiceUnderTest service = JobsServiceUnderTest.start(
                Map.of("ballast.jobs.workspace-activity.flush-interval", "100ms"))) {
            JobQueue queue = service.bean(JobQueue.class);
            UUID ws = UUID.randomUUID();
            for (int i = 0; i < 3; i++) {
                TestJob.of("email-inbound-post-process").workspace(ws).enqueue(queue);
            }
            TestJob.of("sms-inbound-post-process").workspace(ws).enqueue(queue);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    service.count("SELECT count(*) FROM jobs.workspace_activity WHERE workspace_id = ?", ws) == 2);
            await().atMost(Duration.ofSeconds(5)).until(() -> service.bean(WorkspaceActivity.class).pendingNotes() == 0);
            assertThat(service.count("SELECT count(*) FROM jobs.workspace_activity WHERE workspace_id = ? "
                    + "AND last_job_at > now() - interval '1 minute'", ws)).isEqualTo(2);
        }
    }

    @Test
    void notesAWriteCouldNotTakeAreKeptAndWrittenByTheNextFlush() throws Exception {
        try (JobsServiceUnderTest service = JobsServiceUnderTest.start(Map.of())) {
            WorkspaceActivity activity = service.bean(WorkspaceActivity.class);
            UUID ws = UUID.randomUUID();
            service.bean(JobQueue.class).enqueue(
                    TestJob.of("email-inbound-post-process").workspace(ws).newJob());
            // The table out of reach (as a schema change gone wrong would leave it): the write fails, nothing is lost.
            service.execute("ALTER TABLE jobs.workspace_activity RENAME TO workspace_activity_away");
            try {
                assertThatThrownBy(activity::flush).isNotNull();
                assertThat(activity.pendingNotes()).isEqualTo(1);
            } finally {
                service.execute("ALTER TABLE jobs.workspace_activity_away RENAME TO workspace_activity");
            }
            activity.flush();
            assertThat(activity.pendingNotes()).isZero();
            assertThat(service.count("SELECT count(*) FROM jobs.workspace_activity WHERE workspace_id = ?", ws))
                    .isEqualTo(1);
        }
    }
}
