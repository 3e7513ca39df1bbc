package dev.ballast.integrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.util.UUID;

/**
 * integrations-service's operations for other services: every call to a third party goes through them. The service's
 * controller implements this interface (its implementation is being built) and every caller's
 * {@code @Client(id = "integrations")} extends it.
 *
 * <p>Every call carries {@code X-Workspace-Id} and an {@code Idempotency-Key}; the service stores the answer under
 * (workspace, operation, key) and answers a repeated key with the stored answer without calling the provider again,
 * so a retried job can never double-send a Slack message or pay for a second LLM call. 4xx other than 408/429 means
 * "this request will never work" (bad input, unknown workspace, provider refused); 429/5xx and timeouts are worth
 * retrying.
 */
public interface IntegrationsOperations {

    String IDEMPOTENCY_KEY = "Idempotency-Key";
    String WORKSPACE_HEADER = "X-Workspace-Id";

    @Post("/ai/sentiment")
    Sentiment sentiment(@Header(IDEMPOTENCY_KEY) String idempotencyKey, @Header(WORKSPACE_HEADER) String workspaceId,
                        @Body SentimentRequest request);

    @Post("/ai/drafts")
    Draft draft(@Header(IDEMPOTENCY_KEY) String idempotencyKey, @Header(WORKSPACE_HEADER) String workspaceId,
                @Body DraftRequest request);

    /** Whatever EmailBison knows about the sender, as the provider's JSON. */
    @Post("/providers/emailbison/enrichment")
    JsonNode enrichment(@Header(IDEMPOTENCY_KEY) String idempotencyKey, @Header(WORKSPACE_HEADER) String workspaceId,
                        @Body EnrichmentRequest request);

    @Post("/notifications/slack")
    SlackReceipt slack(@Header(IDEMPOTENCY_KEY) String idempotencyKey, @Header(WORKSPACE_HEADER) String workspaceId,
                       @Body SlackNotice notice);

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SentimentRequest(UUID workspaceId, long messageId, @Nullable String subject, @Nullable String body) {
    }

    /** {@code label}: positive, interested, neutral, not-interested, negative, out-of-office, ... */
    @Serdeable
    record Sentiment(String label, double score) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DraftRequest(UUID workspaceId, long messageId, long leadId, @Nullable String subject, @Nullable String body,
                        @Nullable String fromAddress, String sentiment) {
    }

    /** {@code confidence} in 0..1: how sure the model is the draft can go out as it is. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Draft(@Nullable String subject, String body, double confidence) {
    }

    @Serdeable
    record EnrichmentRequest(UUID workspaceId, long leadId, String email) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SlackNotice(UUID workspaceId, long messageId, String text) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SlackReceipt(@Nullable String channel, @Nullable String ts) {
    }
}
