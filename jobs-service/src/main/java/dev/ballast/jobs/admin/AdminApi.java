package dev.ballast.jobs.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Bodies of the admin job API. */
public final class AdminApi {

    private AdminApi() {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JobView(long id, String type, UUID workspaceId, String status, int priority, Instant runAt,
                          int attempt, int maxAttempts, @Nullable Instant leaseUntil, @Nullable String lockedBy,
                          @Nullable String dedupeKey, @Nullable String lastError, Instant createdAt,
                          Instant updatedAt, @Nullable Instant finishedAt) {
    }

    /** Newest first; pass {@code nextAfter} as {@code after} for the next page (absent on the last page). */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JobPage(List<JobView> items, @Nullable Long nextAfter) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record AttemptView(int attempt, @Nullable String worker, Instant startedAt, @Nullable Instant finishedAt,
                              @Nullable String outcome, @Nullable String errorClass, @Nullable String error) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record JobDetail(JobView job, JsonNode payload, @Nullable JsonNode result, List<AttemptView> attempts) {
    }

    /**
     * One (type, live status) group. {@code oldestAgeSeconds}: how long the group's longest-waiting job has been
     * due (0 when none is due yet); {@code due}: how many are due now.
     */
    @Serdeable
    public record StatsRow(String type, String status, long depth, long due, double oldestAgeSeconds) {
    }

    @Serdeable
    public record Stats(Instant at, List<StatsRow> groups) {
    }
}
