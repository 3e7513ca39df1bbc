package dev.ballast.integrations.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;
import java.util.UUID;

/**
 * integrations-service's operations for other services: every call to a third party goes through them. The service's
 * controller implements this interface (its implementation is being built) and every caller's
 * {@code @Client(id = "integrations")} extends it.
 *
 * <p>Every call carries {@code X-Workspace-Id} and an {@code Idempotency-Key}; the service stores the answer under
 * (workspace, operation, key) and answers a repeated key with the stored answer without calling the provider again,
 * so a retried job can never double-send a Slack message or pay for a second LLM call.
 *
 * <p>Answers: 2xx is success. Anything else is problem+json carrying {@link IntegrationOutcome}'s members: whether the
 * call was {@code skipped} (no provider call: integration disconnected, breaker open) or {@code failed}, the abort
 * class and whether a retry can help. 409/422 (and any 4xx but 408/429) are permanent; 503 with {@code Retry-After}
 * is worth retrying after that delay.
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

    /** What one lead's conversation says about the question; insights-service's context packs are built from these. */
    @Post("/ai/lead-insight")
    LeadInsight leadInsight(@Header(IDEMPOTENCY_KEY) String idempotencyKey, @Header(WORKSPACE_HEADER) String workspaceId,
                            @Body LeadInsightRequest request);

    /** One answer to the pack's question from all of its leads' insights. */
    @Post("/ai/pack-synthesis")
    PackSynthesis packSynthesis(@Header(IDEMPOTENCY_KEY) String idempotencyKey,
                                @Header(WORKSPACE_HEADER) String workspaceId, @Body PackSynthesisRequest request);

    /** Sends a reply in an EmailBison thread (the reply the lead sent is {@code replyId}). */
    @Post("/providers/emailbison/replies")
    SendReceipt emailReply(@Header(IDEMPOTENCY_KEY) String idempotencyKey, @Header(WORKSPACE_HEADER) String workspaceId,
                           @Body EmailReplyRequest request);

    /** Sends an SMS to a GHL contact. */
    @Post("/providers/ghl/sms")
    SendReceipt sms(@Header(IDEMPOTENCY_KEY) String idempotencyKey, @Header(WORKSPACE_HEADER) String workspaceId,
                    @Body SmsRequest request);

    /** Sends a LinkedIn message (or InMail) through Unipile. */
    @Post("/providers/unipile/messages")
    SendReceipt linkedInMessage(@Header(IDEMPOTENCY_KEY) String idempotencyKey,
                                @Header(WORKSPACE_HEADER) String workspaceId, @Body LinkedInMessageRequest request);

    /** The emails EmailBison sent to a lead, as the provider's JSON. A read: no key, retried as GETs are. */
    @Get("/providers/emailbison/leads/{email}/sent-emails")
    JsonNode sentEmails(@Header(WORKSPACE_HEADER) String workspaceId, @PathVariable String email);

    /** The health of each of the workspace's integrations (CONNECTED, DEGRADED, DISCONNECTED, UNKNOWN). A read. */
    @Get("/integrations/health")
    List<IntegrationHealth> integrationHealth(@Header(WORKSPACE_HEADER) String workspaceId);

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record IntegrationHealth(String provider, String status, @Nullable java.time.Instant since,
                             @Nullable String lastErrorCode) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SentimentRequest(UUID workspaceId, long messageId, @Nullable String subject, @Nullable String body) {
    }

    /** {@code label}: positive, interested, neutral, not-interested, negative, out-of-office, ... */
    @Serdeable
    record Sentiment(String label, double score) {
    }

    /** {@code channel}: email or sms; {@code maxChars}: the longest draft the channel takes (null: no limit). */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record DraftRequest(UUID workspaceId, long messageId, long leadId, @Nullable String subject, @Nullable String body,
                        @Nullable String fromAddress, String sentiment, @Nullable String channel,
                        @Nullable Integer maxChars) {

        /** An email draft with no length limit. */
        public DraftRequest(UUID workspaceId, long messageId, long leadId, @Nullable String subject,
                            @Nullable String body, @Nullable String fromAddress, String sentiment) {
            this(workspaceId, messageId, leadId, subject, body, fromAddress, sentiment, "email", null);
        }
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

    /** {@code messages}: the lead's conversation, oldest first, one line per message. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LeadInsightRequest(UUID workspaceId, long leadId, @Nullable String question, List<String> messages) {
    }

    @Serdeable
    record LeadInsight(String insight) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record PackSynthesisRequest(UUID workspaceId, String packId, @Nullable String question, List<String> insights) {
    }

    @Serdeable
    record PackSynthesis(String synthesis) {
    }

    /** {@code messageId}: the stored inbound message answered; {@code replyId}: EmailBison's id of that reply. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record EmailReplyRequest(UUID workspaceId, long messageId, String replyId, List<String> toEmails,
                             @Nullable String subject, String body) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SmsRequest(UUID workspaceId, long messageId, String contactId, String message) {
    }

    /** {@code chatId} of an existing conversation, or {@code attendeeId} to start one; {@code inmail} for InMail. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record LinkedInMessageRequest(UUID workspaceId, String accountId, @Nullable String chatId,
                                  @Nullable String attendeeId, String text, boolean inmail) {
    }

    /** {@code providerId}: the provider's id of what was sent, when it gives one. */
    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SendReceipt(String provider, @Nullable String providerId) {
    }
}
