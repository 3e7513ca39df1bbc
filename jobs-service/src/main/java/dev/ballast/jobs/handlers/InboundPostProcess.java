package dev.ballast.jobs.handlers;

import dev.ballast.integrations.api.IntegrationsOperations;
import dev.ballast.integrations.api.IntegrationsOperations.Draft;
import dev.ballast.integrations.api.IntegrationsOperations.DraftRequest;
import dev.ballast.integrations.api.IntegrationsOperations.SendReceipt;
import dev.ballast.integrations.api.IntegrationsOperations.Sentiment;
import dev.ballast.integrations.api.IntegrationsOperations.SentimentRequest;
import dev.ballast.integrations.api.IntegrationsOperations.SlackNotice;
import dev.ballast.integrations.api.IntegrationsOperations.SlackReceipt;
import dev.ballast.jobs.handlers.AutoSendRules.Decision;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobHandler;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.webhook.api.WebhookOperations;
import dev.ballast.webhook.api.WebhookOperations.MessageView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * A lead's message to us (an email reply or an SMS): sentiment, an AI draft sized for the channel, enrichment where
 * the channel has it, the auto-send decision, the send itself when the decision is yes, and a Slack notice — each an
 * annotation on the message, each provider call under the Idempotency-Key {@code <type>:<message id>:<step>}. The
 * annotations go to webhook-service in one call when the steps end, and around a send: what decided it before it
 * goes out, its receipt right after.
 *
 * <p>Sentiment and draft are required: without them there is nothing to decide or send, so their failures retry the
 * job (or end it dead when permanent). Enrichment and the Slack notice are optional: when they fail or are skipped
 * (integration disconnected, breaker open) their annotation says so and the job succeeds. The send retries the job
 * while a retry can help and is annotated as failed when it cannot; its key is fixed by the message, so a job retried
 * after the provider answered gets integrations-service's stored answer instead of a second send.
 */
abstract class InboundPostProcess implements JobHandler {

    static final String SENTIMENT = "sentiment";
    static final String DRAFT = "ai-draft";
    static final String ENRICHMENT = "enrichment";
    static final String AUTO_SEND = "auto-send";
    static final String SENT = "sent";
    static final String SLACK = "slack-notice";
    /** Written by the outbound post-process on the lead's messages an outbound message answered. */
    static final String SUPERSEDED = "superseded";

    private static final Logger LOG = LoggerFactory.getLogger(InboundPostProcess.class);

    final WebhookOperations webhook;
    final IntegrationsOperations integrations;
    private final AutoSendSettings autoSend;
    private final JsonMapper json;

    InboundPostProcess(WebhookOperations webhook, IntegrationsOperations integrations, AutoSendSettings autoSend,
                       JsonMapper json) {
        this.webhook = webhook;
        this.integrations = integrations;
        this.autoSend = autoSend;
        this.json = json;
    }

    /** email or sms: the draft's channel and the Slack notice's wording. */
    abstract String channel();

    /** The longest draft this channel takes, or null. */
    abstract @Nullable Integer draftMaxChars();

    abstract boolean slackEnabled();

    /** Enrichment of the sender, or null where the channel has none. */
    abstract @Nullable JsonNode enrich(AnnotatedSteps steps, MessageView m, String key);

    /** Why this message cannot be answered automatically (no address, no provider id), or empty. */
    abstract Optional<String> unanswerable(MessageView m);

    /** Sends {@code draft} as the answer to {@code m} through integrations-service. */
    abstract @Nullable SendReceipt send(MessageView m, JsonNode draft, String key);

    @Override
    public JobOutcome handle(JobContext job) throws Exception {
        return WorkspaceJobs.run(job, (messageId, workspace) -> execute(job, messageId, workspace));
    }

    private JobOutcome execute(JobContext job, long messageId, UUID workspace) {
        String ws = workspace.toString();
        MessageView m = AnnotatedSteps.webhookCall("fetch message", () -> webhook.message(messageId, ws));
        if (m == null) {
            throw new PermanentJobFailure("message " + messageId + " not found in its workspace");
        }
        if (!LeadConversation.INBOUND.equals(m.direction())) {
            return WorkspaceJobs.skipped(messageId, "not an inbound message");
        }
        Map<String, JsonNode> existing = new LinkedHashMap<>();
        if (m.annotations() != null) {
            m.annotations().forEach((kind, a) -> existing.put(kind, a.value()));
        }
        AnnotatedSteps steps = new AnnotatedSteps(webhook, json, messageId, ws, existing);
        return steps.writingAfter(() -> postProcess(job, m, workspace, steps));
    }

    private JobOutcome postProcess(JobContext job, MessageView m, UUID workspace, AnnotatedSteps steps) {
        long messageId = m.id();
        String ws = workspace.toString();
        String prefix = type() + ":" + messageId + ":";

        JsonNode sentiment = steps.required(SENTIMENT,
                () -> integrations.sentiment(prefix + SENTIMENT, ws,
                        new SentimentRequest(workspace, messageId, m.subject(), m.body())),
                (Sentiment s) -> object(Map.of("label", text(s.label()), "score", JsonNode.createNumberNode(s.score()))));
        String label = string(sentiment, "label");

        JsonNode draft = steps.required(DRAFT,
                () -> integrations.draft(prefix + DRAFT, ws, new DraftRequest(workspace, messageId, m.leadId(),
                        m.subject(), m.body(), m.fromAddress(), label == null ? "unknown" : label, channel(),
                        draftMaxChars())),
                (Draft d) -> {
                    Map<String, JsonNode> v = new LinkedHashMap<>();
                    if (d.subject() != null) {
                        v.put("subject", text(d.subject()));
                    }
                    v.put("body", text(d.body()));
                    v.put("confidence", JsonNode.createNumberNode(d.confidence()));
                    return object(v);
                });

        enrich(steps, m, prefix + ENRICHMENT);

        JsonNode decision = steps.record(AUTO_SEND, () -> decide(steps, m, workspace, label, draft));
        if ("send".equals(string(decision, "decision"))) {
            // What led to the send is stored before it goes out, and the send's receipt as soon as it has.
            steps.flush();
            steps.attempt(SENT, () -> send(m, draft, prefix + SENT), (SendReceipt r) -> {
                Map<String, JsonNode> v = new LinkedHashMap<>();
                v.put("status", text("sent"));
                v.put("provider", text(r.provider()));
                if (r.providerId() != null) {
                    v.put("providerId", text(r.providerId()));
                }
                return object(v);
            });
            steps.flush();
        }

        if (slackEnabled()) {
            steps.optional(SLACK, () -> integrations.slack(prefix + SLACK, ws,
                            new SlackNotice(workspace, messageId, slackText(m, label, string(decision, "decision")))),
                    (SlackReceipt r) -> {
                        Map<String, JsonNode> v = new LinkedHashMap<>();
                        v.put("status", text("sent"));
                        if (r.channel() != null) {
                            v.put("channel", text(r.channel()));
                        }
                        if (r.ts() != null) {
                            v.put("ts", text(r.ts()));
                        }
                        return object(v);
                    });
        }
        // The label rides on the result too: the workspace digests count sentiments from finished jobs.
        JsonNode result = WorkspaceJobs.result(messageId, steps,
                label == null ? Map.of() : Map.of(SENTIMENT, text(label)));
        LOG.debug("job {} attempt {}: message {} post-processed: {}", job.id(), job.attempt(), messageId, result);
        return JobOutcome.succeeded(result);
    }

    private JsonNode decide(AnnotatedSteps steps, MessageView m, UUID workspace, @Nullable String label, JsonNode draft) {
        JsonNode confidence = draft.get("confidence");
        Decision rules = AutoSendRules.evaluate(autoSend.enabledFor(workspace), label,
                confidence != null && confidence.isNumber() ? confidence.getDoubleValue() : null,
                autoSend.eligibleSentiments(), autoSend.minConfidence());
        List<JsonNode> reasons = new ArrayList<>();
        rules.reasons().forEach(r -> reasons.add(text(r)));
        Map<String, JsonNode> v = new LinkedHashMap<>();
        if (rules.send()) {
            // A draft for a conversation a person (or a campaign step) already answered must never go out.
            if (steps.has(SUPERSEDED)) {
                reasons.add(text("superseded"));
            } else {
                LeadConversation.read(webhook, workspace.toString(), m.leadId()).outboundAfter(m).ifPresent(o -> {
                    reasons.add(text("answered_by_outbound"));
                    v.put("answeredBy", JsonNode.createNumberNode(o.id()));
                });
            }
            unanswerable(m).ifPresent(r -> reasons.add(text(r)));
        }
        v.put("decision", text(reasons.isEmpty() ? "send" : "hold"));
        v.put("reasons", JsonNode.createArrayNode(reasons));
        v.put("minConfidence", JsonNode.createNumberNode(autoSend.minConfidence()));
        return object(v);
    }

    private String slackText(MessageView m, @Nullable String sentiment, @Nullable String decision) {
        String from = m.fromAddress() == null ? "a lead" : m.fromAddress();
        return "New " + ("sms".equals(channel()) ? "SMS" : "reply") + " from " + from
                + (m.subject() == null ? "" : " (" + m.subject() + ")")
                + ": sentiment " + (sentiment == null ? "unknown" : sentiment)
                + ", auto-send " + (decision == null ? "unknown" : decision);
    }

    static @Nullable String string(@Nullable JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isString() ? v.getStringValue() : null;
    }

    static JsonNode text(String s) {
        return JsonNode.createStringNode(s);
    }

    static JsonNode object(Map<String, JsonNode> fields) {
        return JsonNode.createObjectNode(new LinkedHashMap<>(fields));
    }
}
