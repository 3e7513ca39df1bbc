package dev.ballast.jobs.queue;

import io.micronaut.core.annotation.Nullable;

import java.util.UUID;

/**
 * A job this worker holds a lease on. {@code attempt} is the fencing value of the claim; {@code snoozes} counts claims
 * that did not spend an attempt, so attempts spent are {@code attempt - snoozes}. {@code worker} is who claimed it,
 * written on the attempt's row when it ends.
 */
public record ClaimedJob(long id, String type, UUID workspaceId, String payload, int attempt, int maxAttempts,
                         int snoozes, @Nullable String worker) {

    public ClaimedJob(long id, String type, UUID workspaceId, String payload, int attempt, int maxAttempts, int snoozes) {
        this(id, type, workspaceId, payload, attempt, maxAttempts, snoozes, null);
    }

    public int attemptsSpent() {
        return attempt - snoozes;
    }
}
