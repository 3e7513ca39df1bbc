package dev.ballast.integrations.operations;

import dev.ballast.integrations.health.HealthStore;
import dev.ballast.integrations.providers.Provider;
import java.sql.SQLException;
import java.util.List;
import java.util.UUID;
import dev.ballast.integrations.api.IntegrationsOperations;
import dev.ballast.integrations.calls.Operation;
import dev.ballast.integrations.calls.ProviderCalls;
import dev.ballast.integrations.providers.AiOperations;
import dev.ballast.integrations.providers.MessagingOperations;
import dev.ballast.integrations.providers.SlackOperations;
import dev.ballast.resilience.api.ProblemException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.util.Collection;

/**
 * The provider operations other services call (service token, {@code X-Workspace-Id}, {@code Idempotency-Key}).
 * Blocking: each request waits for its provider call on a virtual thread, and a caller that hangs up abandons it.
 */
@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
final class IntegrationsController implements IntegrationsOperations {

    private final ProviderCalls calls;
    private final AiOperations ai;
    private final MessagingOperations messaging;
    private final SlackOperations slack;
    private final HealthStore health;

    IntegrationsController(ProviderCalls calls, AiOperations ai, MessagingOperations messaging, SlackOperations slack,
                           HealthStore health) {
        this.health = health;
        this.calls = calls;
        this.ai = ai;
        this.messaging = messaging;
        this.slack = slack;
    }

    @Override
    public Sentiment sentiment(String idempotencyKey, String workspaceId, SentimentRequest request) {
        require(request.workspaceId(), "/workspaceId");
        return calls.run(Operation.SENTIMENT, workspaceId, idempotencyKey, request.workspaceId(), request,
                Sentiment.class, access -> ai.sentiment(request));
    }

    @Override
    public Draft draft(String idempotencyKey, String workspaceId, DraftRequest request) {
        require(request.workspaceId(), "/workspaceId");
        require(request.sentiment(), "/sentiment");
        return calls.run(Operation.DRAFT, workspaceId, idempotencyKey, request.workspaceId(), request, Draft.class,
                access -> ai.draft(request));
    }

    @Override
    public JsonNode enrichment(String idempotencyKey, String workspaceId, EnrichmentRequest request) {
        require(request.workspaceId(), "/workspaceId");
        require(request.email(), "/email");
        return calls.run(Operation.ENRICHMENT, workspaceId, idempotencyKey, request.workspaceId(), request,
                JsonNode.class, access -> messaging.enrichment(request.email()));
    }

    @Override
    public SlackReceipt slack(String idempotencyKey, String workspaceId, SlackNotice notice) {
        require(notice.workspaceId(), "/workspaceId");
        require(notice.text(), "/text");
        return calls.run(Operation.SLACK_NOTICE, workspaceId, idempotencyKey, notice.workspaceId(), notice,
                SlackReceipt.class, access -> {
                    String channel = access.channel() != null ? access.channel() : access.alertChannel();
                    if (channel == null) {
                        throw new ProblemException(io.micronaut.http.HttpStatus.CONFLICT, "no_channel",
                                "the workspace's Slack integration names no channel");
                    }
                    return slack.post(channel, notice.text());
                });
    }

    @Override
    public LeadInsight leadInsight(String idempotencyKey, String workspaceId, LeadInsightRequest request) {
        require(request.workspaceId(), "/workspaceId");
        require(request.messages(), "/messages");
        return calls.run(Operation.LEAD_INSIGHT, workspaceId, idempotencyKey, request.workspaceId(), request,
                LeadInsight.class, access -> ai.leadInsight(request));
    }

    @Override
    public PackSynthesis packSynthesis(String idempotencyKey, String workspaceId, PackSynthesisRequest request) {
        require(request.workspaceId(), "/workspaceId");
        require(request.insights(), "/insights");
        return calls.run(Operation.PACK_SYNTHESIS, workspaceId, idempotencyKey, request.workspaceId(), request,
                PackSynthesis.class, access -> ai.packSynthesis(request));
    }

    @Override
    public SendReceipt emailReply(String idempotencyKey, String workspaceId, EmailReplyRequest request) {
        require(request.workspaceId(), "/workspaceId");
        require(request.replyId(), "/replyId");
        require(request.toEmails(), "/toEmails");
        require(request.body(), "/body");
        return calls.run(Operation.EMAIL_REPLY, workspaceId, idempotencyKey, request.workspaceId(), request,
                SendReceipt.class, access -> messaging.emailReply(request));
    }

    @Override
    public SendReceipt sms(String idempotencyKey, String workspaceId, SmsRequest request) {
        require(request.workspaceId(), "/workspaceId");
        require(request.contactId(), "/contactId");
        require(request.message(), "/message");
        return calls.run(Operation.SMS, workspaceId, idempotencyKey, request.workspaceId(), request, SendReceipt.class,
                access -> messaging.sms(request));
    }

    @Override
    public SendReceipt linkedInMessage(String idempotencyKey, String workspaceId, LinkedInMessageRequest request) {
        require(request.workspaceId(), "/workspaceId");
        require(request.accountId(), "/accountId");
        require(request.text(), "/text");
        if (request.chatId() == null && request.attendeeId() == null) {
            throw ProblemException.badRequest("invalid_request", "chatId or attendeeId is required");
        }
        return calls.run(Operation.LINKEDIN_MESSAGE, workspaceId, idempotencyKey, request.workspaceId(), request,
                SendReceipt.class, access -> messaging.linkedInMessage(request));
    }

    @Override
    public JsonNode sentEmails(String workspaceId, String email) {
        return calls.read(Operation.SENT_EMAILS, workspaceId, JsonNode.class, access -> messaging.sentEmails(email));
    }

    @Override
    public List<IntegrationHealth> integrationHealth(String workspaceId) {
        UUID workspace;
        try {
            workspace = UUID.fromString(workspaceId);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new ProblemException(dev.ballast.resilience.api.ProblemDetails.of(
                    io.micronaut.http.HttpStatus.BAD_REQUEST, "invalid_workspace", "X-Workspace-Id is not a UUID"));
        }
        try {
            return health.list(workspace, null, null, Provider.values().length).stream()
                    .map(h -> new IntegrationHealth(h.provider(), h.status(), h.since(), h.lastErrorCode())).toList();
        } catch (SQLException e) {
            throw new IllegalStateException("integration health read failed (SQLState " + e.getSQLState() + ")", e);
        }
    }

    private static void require(@Nullable Object value, String pointer) {
        boolean missing = value == null || value instanceof String s && s.isBlank()
                || value instanceof Collection<?> c && c.isEmpty();
        if (missing) {
            throw new ProblemException(dev.ballast.resilience.api.ProblemDetails.of(
                    io.micronaut.http.HttpStatus.BAD_REQUEST, "invalid_request", pointer.substring(1) + " is required")
                    .withPointer(pointer));
        }
    }
}
