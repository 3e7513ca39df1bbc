package dev.ballast.jobs.queue;

import java.util.UUID;

/**
 * A job this worker holds a lease on. {@code attempt} is the fencing value of the claim; {@code snoozes} counts claims
 * that did not spend an attempt, so attempts spent are {@code attempt - snoozes}.
 */
public record ClaimedJob(long id, String type, UUID workspaceId, String payload, int attempt, int maxAttempts,
                         int snoozes) {

    public int attemptsSpent() {
        return attempt - snoozes;
    }
}
