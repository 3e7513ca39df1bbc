package dev.ballast.jobs.queue;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;

import java.time.Duration;

/** What a handler reports when it returns normally. Failures are exceptions, see {@link JobHandler}. */
public sealed interface JobOutcome {

    /** Done; {@code result} (may be null) is stored on the job. */
    record Succeeded(@Nullable JsonNode result) implements JobOutcome {
    }

    /** Not yet: run again after {@code delay} without spending an attempt. */
    record Snoozed(Duration delay) implements JobOutcome {
    }

    static JobOutcome succeeded(@Nullable JsonNode result) {
        return new Succeeded(result);
    }

    static JobOutcome succeeded() {
        return new Succeeded(null);
    }

    static JobOutcome snooze(Duration delay) {
        return new Snoozed(delay);
    }
}
