package dev.ballast.jobs.handlers;

import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.resilience.http.Deadline;
import dev.ballast.resilience.http.WorkspaceScope;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.json.tree.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** What every per-message job shares: its message id, its workspace, and the scope its client calls run in. */
final class WorkspaceJobs {

    /** The work of one job on one message of one workspace. */
    interface MessageWork {
        JobOutcome run(long messageId, UUID workspace) throws Exception;
    }

    private WorkspaceJobs() {
    }

    /**
     * Runs {@code work} with every client call (and its retries) inside the job's time budget and its workspace's
     * breakers. A payload without a message id, or naming another workspace than the job's, is permanent.
     */
    static JobOutcome run(JobContext job, MessageWork work) throws Exception {
        long messageId = messageId(job);
        UUID workspace = job.workspaceId();
        JsonNode payloadWorkspace = job.payload() == null ? null : job.payload().get("workspaceId");
        if (payloadWorkspace != null && !workspace.toString().equalsIgnoreCase(payloadWorkspace.coerceStringValue())) {
            throw new PermanentJobFailure("payload workspaceId differs from the job's workspace");
        }
        Duration budget = Duration.between(Instant.now(), job.deadline());
        PropagatedContext scoped = PropagatedContext.getOrEmpty().plus(WorkspaceScope.of(workspace.toString()))
                .plus(Deadline.after(budget.isNegative() ? Duration.ZERO : budget));
        try (PropagatedContext.Scope ignored = scoped.propagate()) {
            return work.run(messageId, workspace);
        }
    }

    /** The job's result: the message and what each step did (kept, done, skipped, failed). */
    static JsonNode result(long messageId, AnnotatedSteps steps, Map<String, JsonNode> extra) {
        Map<String, JsonNode> result = new LinkedHashMap<>();
        result.put("messageId", JsonNode.createNumberNode(messageId));
        result.putAll(extra);
        result.put("steps", steps.statuses());
        return JsonNode.createObjectNode(result);
    }

    static JobOutcome skipped(long messageId, String why) {
        return JobOutcome.succeeded(JsonNode.createObjectNode(Map.of(
                "messageId", JsonNode.createNumberNode(messageId), "skipped", JsonNode.createStringNode(why))));
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
}
