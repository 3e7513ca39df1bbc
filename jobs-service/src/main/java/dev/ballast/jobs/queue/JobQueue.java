package dev.ballast.jobs.queue;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/**
 * Enqueueing, in-process. A job with a {@code dedupeKey} exists at most once (unique constraint, INSERT ... ON
 * CONFLICT, never check-then-insert); enqueueing the key again returns the existing job, whatever its state, and
 * never re-arms one that has finished.
 */
public interface JobQueue {

    Enqueued enqueue(NewJob job);

    /** Many jobs in one transaction; the answers are in the order of {@code jobs}. */
    List<Enqueued> enqueueAll(List<NewJob> jobs);

    /** Throws {@link InvalidJobException} naming the field when {@code job} could not be enqueued as it is. */
    void check(NewJob job);

    record NewJob(String type, UUID workspaceId, @Nullable JsonNode payload, @Nullable String dedupeKey,
                  @Nullable Instant runAt, @Nullable Integer priority, @Nullable Integer maxAttempts) {
    }

    /** {@code created} is false when a job with the same dedupe key existed already. */
    record Enqueued(long id, boolean created, JobState status) {
    }
}
