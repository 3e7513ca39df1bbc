package dev.ballast.jobs.handlers;

import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobHandler;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.webhook.api.WebhookOperations;
import dev.ballast.webhook.api.WebhookOperations.MessageView;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A message we wrote to a lead (a campaign step, a manual email, an SMS): the lead's last contact moves to it, and
 * every message of the lead it answered gets a {@code superseded} annotation unless it was already sent or
 * superseded, so no AI draft for a conversation a person already answered is ever auto-sent. The inbound
 * post-process checks the lead's messages itself as well, so the order the two jobs run in does not matter.
 */
abstract class OutboundPostProcess implements JobHandler {

    private final WebhookOperations webhook;
    private final LeadContacts contacts;
    private final JsonMapper json;

    OutboundPostProcess(WebhookOperations webhook, LeadContacts contacts, JsonMapper json) {
        this.webhook = webhook;
        this.contacts = contacts;
        this.json = json;
    }

    @Override
    public JobOutcome handle(JobContext job) throws Exception {
        return WorkspaceJobs.run(job, this::execute);
    }

    private JobOutcome execute(long messageId, UUID workspace) throws Exception {
        String ws = workspace.toString();
        MessageView out = AnnotatedSteps.webhookCall("fetch message", () -> webhook.message(messageId, ws));
        if (out == null) {
            throw new PermanentJobFailure("message " + messageId + " not found in its workspace");
        }
        if (!LeadConversation.OUTBOUND.equals(out.direction())) {
            return WorkspaceJobs.skipped(messageId, "not an outbound message");
        }
        boolean moved = contacts.contacted(workspace, out.leadId(), LeadConversation.when(out), out.channel(), messageId);

        List<JsonNode> superseded = new ArrayList<>();
        for (MessageView answered : LeadConversation.read(webhook, ws, out.leadId()).answeredBy(out)) {
            MessageView in = AnnotatedSteps.webhookCall("fetch message", () -> webhook.message(answered.id(), ws));
            if (in == null || in.annotations() != null && (in.annotations().containsKey(InboundPostProcess.SENT)
                    || in.annotations().containsKey(InboundPostProcess.SUPERSEDED))) {
                continue;
            }
            AnnotatedSteps steps = new AnnotatedSteps(webhook, json, in.id(), ws, Map.of());
            steps.record(InboundPostProcess.SUPERSEDED, () -> JsonNode.createObjectNode(Map.of(
                    "byMessageId", JsonNode.createNumberNode(messageId),
                    "channel", JsonNode.createStringNode(out.channel()),
                    "at", JsonNode.createStringNode(LeadConversation.when(out).toString()))));
            steps.flush();
            superseded.add(JsonNode.createNumberNode(in.id()));
        }
        Map<String, JsonNode> result = new LinkedHashMap<>();
        result.put("messageId", JsonNode.createNumberNode(messageId));
        result.put("leadId", JsonNode.createNumberNode(out.leadId()));
        result.put("lastContactMoved", JsonNode.createBooleanNode(moved));
        result.put("superseded", JsonNode.createArrayNode(superseded));
        return JobOutcome.succeeded(JsonNode.createObjectNode(result));
    }
}
