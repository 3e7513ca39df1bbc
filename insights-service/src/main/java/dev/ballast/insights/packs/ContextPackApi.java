package dev.ballast.insights.packs;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** The context pack API's documents. */
public final class ContextPackApi {

    private ContextPackApi() {
    }

    /** {@code leadIds}: the leads to ask; {@code filter} is not supported yet (422). */
    @Serdeable
    public record CreateRequest(@Nullable UUID workspaceId, @Nullable List<Long> leadIds, @Nullable JsonNode filter,
                                @Nullable String question) {
    }

    @Serdeable
    public record Progress(int processed, int total, int failed, int cursor) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LeadInsightView(long leadId, String insight) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record LeadErrorView(long leadId, String status, int attempts, String error) {
    }

    /** A pack: {@code status} pending, running, complete or failed. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PackView(long id, UUID workspaceId, String status, @Nullable String question, Progress progress,
                           List<LeadInsightView> insights, @Nullable String synthesis, List<LeadErrorView> errors,
                           @Nullable String lastError, Instant createdAt, Instant updatedAt,
                           @Nullable Instant completedAt) {

        static PackView of(ContextPackStore.PackRow row) {
            List<LeadInsightView> insights = row.leads().stream().filter(l -> l.insight() != null)
                    .map(l -> new LeadInsightView(l.leadId(), l.insight())).toList();
            List<LeadErrorView> errors = row.leads().stream().filter(l -> l.error() != null)
                    .map(l -> new LeadErrorView(l.leadId(), l.status(), l.attempts(), l.error())).toList();
            return new PackView(row.id(), row.workspaceId(), row.status(), row.question(),
                    new Progress(row.processedLeads(), row.totalLeads(), row.failedLeads(), row.cursor()), insights,
                    row.synthesis(), errors, row.lastError(), row.createdAt(), row.updatedAt(), row.completedAt());
        }
    }
}
