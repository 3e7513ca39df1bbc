package dev.ballast.jobs.handlers;

import dev.ballast.jobs.handlers.AutoSendRules.Decision;
import dev.ballast.integrations.api.IntegrationsOperations.Draft;
import dev.ballast.integrations.api.IntegrationsOperations.DraftRequest;
import dev.ballast.integrations.api.IntegrationsOperations.EnrichmentRequest;
import dev.ballast.integrations.api.IntegrationsOperations.Sentiment;
import dev.ballast.integrations.api.IntegrationsOperations.SentimentRequest;
import dev.ballast.integrations.api.IntegrationsOperations.SlackNotice;
import dev.ballast.integrations.api.IntegrationsOperations.SlackReceipt;
import dev.ballast.integrations.api.IntegrationsOperations;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobHandler;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.resilience.http.Deadline;
import dev.ballast.resilience.http.WorkspaceScope;
import dev.ballast.webhook.api.WebhookOperations;
import dev.ballast.webhook.api.WebhookOperations.AnnotationView;
import dev.ballast.webhook.api.WebhookOperations.MessageView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * {@code email-inbound-post-process}: a lead's reply gets a sentiment, an AI draft, the sender's enrichment, an
 * auto-send decision and a Slack notice, each written back to the message as an annotation.
 *
 * <p>Idempotent step by step: a step whose annotation the message already has is skipped (a retried job never asks
 * the provider again for what it has), and each provider call carries the Idempotency-Key
 * {@code email-inbound-post-process:<message id>:<step>}, so a crash between the provider's answer and the
 * annotation's write is answered from integrations-service's store, not sent twice. The auto-send step only records a
 * decision; no email is sent here.
 *
 * <p>Failures: the message missing (404) or any other 4xx but 408/429 is permanent; 5xx, 408/429, timeouts, refused
 * connections and an open breaker are left to the queue to retry, after the client's own retries.
 */
@Singleton
public final class EmailInboundPostProcess implements JobHandler {

    public static final String TYPE = "email-inbound-post-process";

    static final String SENTIMENT = "sentiment";
    static final String DRAFT = "ai-draft";
    static final String ENRICHMENT = "enrichment";
    static final String AUTO_SEND = "auto-send";
    static final String SLACK = "slack-notice";

    private static final Logger LOG = LoggerFactory.getLogger(EmailInboundPostProcess.class);

    private final WebhookOperations webhook;
    private final IntegrationsOperations integrations;
    private final EmailInboundSettings settings;
    private final AutoSendSettings autoSend;
    private final JsonMapper json;

    EmailInboundPostProcess(WebhookClient webhook, IntegrationsClient integrations, EmailInboundSettings settings,
                            AutoSendSettings autoSend, JsonMapper json) {
        this.webhook = webhook;
        this.integrations = integrations;
        this.settings = settings;
        this.autoSend = autoSend;
        this.json = json;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public JobOutcome handle(JobContext job) {
        long messageId = messageId(job);
        UUID workspace = job.workspaceId();
        JsonNode payloadWorkspace = job.payload() == null ? null : job.payload().get("workspaceId");
        if (payloadWorkspace != null && !workspace.toString().equalsIgnoreCase(payloadWorkspace.coerceStringValue())) {
            throw new PermanentJobFailure("payload workspaceId differs from the job's workspace");
        }
        // Every client call (and its retries) stays within the job's time budget and its workspace's breakers.
        Duration budget = Duration.between(Instant.now(), job.deadline());
        PropagatedContext scoped = PropagatedContext.getOrEmpty().plus(WorkspaceScope.of(workspace.toString()))
                .plus(Deadline.after(budget.isNegative() ? Duration.ZERO : budget));
        try (PropagatedContext.Scope ignored = scoped.propagate()) {
            return new Run(job, messageId, workspace).execute();
        }
    }

    /** One run of the job: the message as fetched, the steps done or skipped. */
    private final class Run {

        private final JobContext job;
        private final long messageId;
        private final UUID workspace;
        private final String ws;
        private final Map<String, String> steps = new LinkedHashMap<>();

        Run(JobContext job, long messageId, UUID workspace) {
            this.job = job;
            this.messageId = messageId;
            this.workspace = workspace;
            this.ws = workspace.toString();
        }

        JobOutcome execute() {
            MessageView m = call("fetch message", () -> webhook.message(messageId, ws));
            if (m == null) {
                throw new PermanentJobFailure("message " + messageId + " not found in its workspace");
            }
            if (!"inbound".equals(m.direction())) {
                return JobOutcome.succeeded(JsonNode.createObjectNode(Map.of(
                        "messageId", JsonNode.createNumberNode(messageId),
                        "skipped", JsonNode.createStringNode("not an inbound message"))));
            }
            Map<String, JsonNode> done = new LinkedHashMap<>();
            if (m.annotations() != null) {
                m.annotations().forEach((kind, a) -> done.put(kind, a.value()));
            }

            JsonNode sentiment = step(done, SENTIMENT, () -> {
                Sentiment s = integrations.sentiment(key(SENTIMENT), ws,
                        new SentimentRequest(workspace, messageId, m.subject(), m.body()));
                return object(Map.of("label", text(s.label()), "score", JsonNode.createNumberNode(s.score())));
            });
            String label = string(sentiment, "label");

            JsonNode draft = step(done, DRAFT, () -> {
                Draft d = integrations.draft(key(DRAFT), ws, new DraftRequest(workspace, messageId, m.leadId(),
                        m.subject(), m.body(), m.fromAddress(), label == null ? "unknown" : label));
                Map<String, JsonNode> v = new LinkedHashMap<>();
                if (d.subject() != null) {
                    v.put("subject", text(d.subject()));
                }
                v.put("body", text(d.body()));
                v.put("confidence", JsonNode.createNumberNode(d.confidence()));
                return object(v);
            });

            if (settings.enrichmentEnabled()) {
                step(done, ENRICHMENT, () -> m.fromAddress() == null || m.fromAddress().isBlank()
                        ? object(Map.of("skipped", text("no sender address")))
                        : integrations.enrichment(key(ENRICHMENT), ws,
                                new EnrichmentRequest(workspace, m.leadId(), m.fromAddress())));
            }

            JsonNode decision = step(done, AUTO_SEND, () -> {
                JsonNode confidence = draft.get("confidence");
                Decision d = AutoSendRules.evaluate(autoSend.enabledFor(workspace), label,
                        confidence != null && confidence.isNumber() ? confidence.getDoubleValue() : null,
                        autoSend.eligibleSentiments(), autoSend.minConfidence());
                List<JsonNode> reasons = new ArrayList<>();
                d.reasons().forEach(r -> reasons.add(text(r)));
                return object(Map.of("decision", text(d.send() ? "send" : "hold"),
                        "reasons", JsonNode.createArrayNode(reasons),
                        "minConfidence", JsonNode.createNumberNode(autoSend.minConfidence())));
            });

            if (settings.slackEnabled()) {
                step(done, SLACK, () -> {
                    SlackReceipt r = integrations.slack(key(SLACK), ws, new SlackNotice(workspace, messageId,
                            slackText(m, label, string(decision, "decision"))));
                    Map<String, JsonNode> v = new LinkedHashMap<>();
                    v.put("sent", JsonNode.createBooleanNode(true));
                    if (r != null && r.channel() != null) {
                        v.put("channel", text(r.channel()));
                    }
                    if (r != null && r.ts() != null) {
                        v.put("ts", text(r.ts()));
                    }
                    return object(v);
                });
            }
            Map<String, JsonNode> result = new LinkedHashMap<>();
            result.put("messageId", JsonNode.createNumberNode(messageId));
            steps.forEach((k, v) -> result.put(k, text(v)));
            LOG.debug("job {} attempt {}: message {} post-processed: {}", job.id(), job.attempt(), messageId, steps);
            return JobOutcome.succeeded(object(result));
        }

        /** The step's annotation if the message has it; else runs the step and writes its annotation. */
        private JsonNode step(Map<String, JsonNode> done, String kind, Supplier<JsonNode> work) {
            JsonNode existing = done.get(kind);
            if (existing != null) {
                steps.put(kind, "kept");
                return existing;
            }
            JsonNode value = call(kind, work);
            byte[] encoded = encode(value);
            AnnotationView written = call("annotate " + kind, () -> webhook.annotate(messageId, kind, ws, encoded));
            if (written == null) {
                throw new PermanentJobFailure("message " + messageId + " not found when writing " + kind);
            }
            done.put(kind, value);
            steps.put(kind, "done");
            return value;
        }

        private String key(String step) {
            return TYPE + ":" + messageId + ":" + step;
        }
    }

    private byte[] encode(JsonNode value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sorts an HTTP failure into permanent (the job goes dead) or retryable (rethrown as it is). */
    static <T> T call(String step, Supplier<T> call) {
        try {
            return call.get();
        } catch (HttpClientResponseException e) {
            int code = e.code();
            if (code >= 400 && code < 500 && code != 408 && code != 429) {
                throw new PermanentJobFailure(step + " refused with HTTP " + code, e);
            }
            throw e;
        }
    }

    private static long messageId(JobContext job) {
        JsonNode id = job.payload() == null ? null : job.payload().get("messageId");
        if (id != null && id.isNumber() && id.getLongValue() > 0) {
            return id.getLongValue();
        }
        if (id != null && id.isString()) {
            try {
                long parsed = Long.parseLong(id.getStringValue());
                if (parsed > 0) {
                    return parsed;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
        }
        throw new PermanentJobFailure("payload has no messageId");
    }

    private static String slackText(MessageView m, @Nullable String sentiment, @Nullable String decision) {
        return "New reply from " + (m.fromAddress() == null ? "a lead" : m.fromAddress())
                + (m.subject() == null ? "" : " (" + m.subject() + ")")
                + ": sentiment " + (sentiment == null ? "unknown" : sentiment)
                + ", auto-send " + (decision == null ? "unknown" : decision);
    }

    private static @Nullable String string(JsonNode node, String field) {
        JsonNode v = node == null ? null : node.get(field);
        return v != null && v.isString() ? v.getStringValue() : null;
    }

    private static JsonNode text(String s) {
        return JsonNode.createStringNode(s);
    }

    private static JsonNode object(Map<String, JsonNode> fields) {
        return JsonNode.createObjectNode(new LinkedHashMap<>(fields));
    }
}
