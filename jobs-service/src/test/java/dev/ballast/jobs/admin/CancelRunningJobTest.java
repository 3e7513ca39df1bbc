package dev.ballast.jobs.admin;

import dev.ballast.jobs.queue.TestHandlers;
import dev.ballast.jobs.testing.JobsServiceUnderTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** An admin cancel of a job whose handler is running in a worker right now, through the admin API. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CancelRunningJobTest {

    private static final String[] ADMIN = {"Authorization", "Bearer " + JobsServiceUnderTest.ADMIN_TOKEN};
    private static final String[] SERVICE = {"Authorization", "Bearer " + JobsServiceUnderTest.SERVICE_TOKEN};
    private JobsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = JobsServiceUnderTest.start(Map.of(
                "ballast.jobs.workers.enabled", "true",
                "ballast.jobs.workers.heartbeat-interval", "200ms",
                "ballast.jobs.workers.lease", "5s"));
    }

    @AfterAll
    void stop() {
        TestHandlers.of(service).release();
        service.close();
    }

    @Test
    void cancellingARunningJobInterruptsItsHandlerAndItsFinisherChangesNothing() {
        HttpResponse<String> enqueued = service.post("/jobs",
                "{\"type\":\"blocking\",\"workspaceId\":\"" + UUID.randomUUID() + "\"}", SERVICE);
        assertThat(enqueued.statusCode()).as(enqueued.body()).isEqualTo(201);
        long id = Long.parseLong(service.json(enqueued).get("jobId").getStringValue());
        await().atMost(Duration.ofSeconds(10)).until(() -> TestHandlers.of(service).runs(id) == 1);

        HttpResponse<String> cancelled = service.post("/admin/jobs/" + id + "/cancel", "", ADMIN);

        assertThat(cancelled.statusCode()).as(cancelled.body()).isEqualTo(200);
        assertThat(service.json(cancelled).get("status").getStringValue()).isEqualTo("cancelled");
        // the worker's heartbeat finds its claim gone and interrupts the handler, which never finished by itself
        await().atMost(Duration.ofSeconds(10)).until(() -> TestHandlers.of(service).interrupted(id));
        await().atMost(Duration.ofSeconds(10)).until(() -> "cancelled".equals(
                service.queryOne("SELECT outcome FROM jobs.job_attempts WHERE job_id = ?", id)));
        assertThat(service.query("SELECT status, result::text, finished_at IS NOT NULL AS finished FROM jobs.jobs "
                + "WHERE id = ?", id).getFirst())
                .containsEntry("status", "cancelled").containsEntry("result", null).containsEntry("finished", true);
        assertThat(service.count("SELECT count(*) FROM jobs.job_attempts WHERE job_id = ?", id)).isEqualTo(1);
        assertThat(TestHandlers.of(service).runs(id)).isEqualTo(1);
    }
}
