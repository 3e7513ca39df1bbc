package dev.ballast.webhook.outbox;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Bodies of the outbox admin API. Payloads are not shown: they may carry message content. */
public final class OutboxAdminApi {

    private OutboxAdminApi() {
    }

    /**
     * One outbox row. {@code lastError} says why the last send failed (for a parked row, the status jobs-service
     * refused it with); {@code parkedAt} is absent once the row is due again.
     */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record OutboxRowView(long id, UUID workspaceId, long messageId, String jobType, String dedupeKey,
                                int attempts, @Nullable String lastError, @Nullable Instant parkedAt,
                                Instant nextAttemptAt, Instant createdAt) {
    }

    /** Oldest first; pass {@code nextAfterId} as {@code afterId} for the next page (absent on the last page). */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record ParkedPage(List<OutboxRowView> items, @Nullable Long nextAfterId) {
    }
}
