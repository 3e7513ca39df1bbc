package dev.ballast.jobs.workflow;

import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.api.RequestValues;
import dev.ballast.jobs.workflow.WorkflowExecutions.Completion;
import dev.ballast.jobs.workflow.WorkflowExecutions.Execution;
import dev.ballast.jobs.workflow.WorkflowExecutions.Started;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.io.IOException;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Idempotent workflow starts ({@code Authorization: Bearer $JOBS_SERVICE_TOKEN}). {@code POST} answers 201 with a new
 * execution, or 200 with the one a duplicate trigger inside the window started (running, or with its result);
 * the caller runs the workflow only on 201 and reports the end with {@code PUT}.
 */
@Controller("/workflows/{workflowId}/executions")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "workflows")
public class WorkflowController {

    private static final Pattern WORKFLOW_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final WorkflowExecutions executions;
    private final WorkflowSettings settings;
    private final JsonMapper json;

    WorkflowController(WorkflowExecutions executions, WorkflowSettings settings, JsonMapper json) {
        this.executions = executions;
        this.settings = settings;
        this.json = json;
    }

    @Post(consumes = MediaType.ALL)
    @Operation(summary = "Start an execution for {workspaceId, trigger}, or get the one a duplicate trigger started")
    public HttpResponse<Execution> start(String workflowId, @Nullable @Body byte[] body) {
        checkWorkflowId(workflowId);
        JsonNode request = object(body);
        UUID workspace = workspace(request);
        JsonNode trigger = request.get("trigger");
        if (trigger == null) {
            throw ProblemException.badRequest("missing_trigger", "trigger (any JSON value) is required");
        }
        Started started = executions.start(workflowId, workspace, trigger);
        return started.created() ? HttpResponse.created(started.execution()) : HttpResponse.ok(started.execution());
    }

    @Put(uri = "/{id}", consumes = MediaType.ALL)
    @Operation(summary = "Record how a running execution ended: {workspaceId, status: succeeded|failed, result}")
    public Execution complete(String workflowId, String id, @Nullable @Body byte[] body) {
        checkWorkflowId(workflowId);
        long executionId = RequestValues.wholeNumber(id, 1, "invalid_id", "an execution id is a positive integer");
        JsonNode request = object(body);
        UUID workspace = workspace(request);
        JsonNode status = request.get("status");
        ExecutionEnd end = ExecutionEnd.ofColumn(status == null || !status.isString() ? null : status.getStringValue())
                .orElseThrow(() -> ProblemException.badRequest("invalid_status", "status must be succeeded or failed"));
        JsonNode result = request.get("result");
        return switch (executions.complete(workflowId, workspace, executionId, end,
                result == null || result.isNull() ? null : result)) {
            case Completion.Recorded(Execution e) -> e;
            case Completion.Conflict(Execution e) -> throw ProblemException.conflict("already_finished",
                    "execution " + executionId + " already ended as " + e.status() + " with another result");
            case Completion.Missing() -> throw ProblemException.notFound("execution " + executionId);
        };
    }

    private JsonNode object(@Nullable byte[] body) {
        if (body == null || body.length == 0) {
            throw ProblemException.badRequest("empty_body", "a JSON object body is required");
        }
        if (body.length > settings.maxTriggerBytes()) {
            throw new ProblemException(ProblemDetails.of(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                    "the body is at most " + settings.maxTriggerBytes() + " bytes"));
        }
        JsonNode node;
        try {
            node = json.readValue(body, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            throw ProblemException.badRequest("malformed_json", "the body is not well-formed JSON");
        }
        if (node == null || !node.isObject()) {
            throw ProblemException.badRequest("malformed_json", "the body must be a JSON object");
        }
        return node;
    }

    private static UUID workspace(JsonNode request) {
        JsonNode w = request.get("workspaceId");
        UUID workspace = w != null && w.isString() ? RequestValues.workspaceId(w.getStringValue()) : null;
        if (workspace == null) {
            throw RequestValues.invalidWorkspaceId();
        }
        return workspace;
    }

    private static void checkWorkflowId(String workflowId) {
        if (!WORKFLOW_ID.matcher(workflowId).matches()) {
            throw ProblemException.badRequest("invalid_workflow_id",
                    "a workflow id is 1 to 128 of A-Z, a-z, 0-9, '.', '_', ':', '-', starting with a letter or digit");
        }
    }

}
