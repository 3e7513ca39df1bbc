package dev.ballast.jobs.queue;

import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.context.annotation.Requires;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A job whose handler is not deployed yet waits for it (snoozed, spending no attempt) instead of dying within
 * seconds: the handler that a rolling deploy brings ten minutes later runs it.
 */
class LateHandlerTest {

    private static final String TYPE = "arrives-later";

    private final TestDatabase db = TestPostgres.freshDatabase();
    private RunningJobsService service;

    @Test
    void aJobEnqueuedBeforeItsHandlerIsDeployedRunsOnceTheHandlerArrives() {
        service = RunningJobsService.start(db, null, Map.of());
        long id = service.queue().enqueue(new JobQueue.NewJob(TYPE, UUID.randomUUID(),
                JsonNode.createObjectNode(Map.of()), null, null, null, null)).id();
        await().atMost(Duration.ofSeconds(15)).until(() -> ((Number) job(id).get("snoozes")).intValue() == 1);
        assertThat(job(id)).containsEntry("status", "available");
        assertThat(service.query("SELECT run_at > now() + interval '30 seconds' AS later FROM jobs.jobs WHERE id = ?", id)
                .getFirst()).as("looked at again after the default recheck of a minute").containsEntry("later", true);
        service.close();

        // The next version, with the handler, replaces this one; ten minutes pass (the job is due again).
        service = RunningJobsService.start(db, null, Map.of("test.late-handler.deployed", "true"));
        service.execute("UPDATE jobs.jobs SET run_at = now() WHERE id = ?", id);

        await().atMost(Duration.ofSeconds(15)).until(() -> "succeeded".equals(job(id).get("status")));
        assertThat(service.query("SELECT outcome FROM jobs.job_attempts WHERE job_id = ? ORDER BY attempt", id))
                .extracting(r -> r.get("outcome")).containsExactly("snoozed", "succeeded");
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        db.close();
    }

    private Map<String, Object> job(long id) {
        return service.query("SELECT status, snoozes FROM jobs.jobs WHERE id = ?", id).getFirst();
    }

    /** The handler of the version deployed later. */
    @Singleton
    @Requires(property = "test.late-handler.deployed", value = "true")
    static final class ArrivesLater implements JobHandler {

        @Override
        public String type() {
            return TYPE;
        }

        @Override
        public JobOutcome handle(JobContext job) {
            return JobOutcome.succeeded();
        }
    }
}
