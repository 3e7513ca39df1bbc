package dev.ballast.webhook.outbox;

import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.api.RequestValues;
import dev.ballast.webhook.outbox.OutboxAdminApi.OutboxRowView;
import dev.ballast.webhook.outbox.OutboxAdminApi.ParkedPage;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.security.SecurityRequirement;
import io.swagger.v3.oas.annotations.tags.Tag;


/**
 * Parked outbox rows (jobs-service refused them for good) for an operator, behind the admin token
 * ({@code WEBHOOK_ADMIN_TOKEN}, see the workspace package's {@code AdminTokenFilter} on {@code /admin/**}). Query
 * and path values arrive as strings and are validated here, so that every bad one is a 400 problem naming it.
 */
@Controller("/admin/outbox")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "admin")
@SecurityRequirement(name = "adminToken")
public class OutboxAdminController {

    private final OutboxAdministration admin;
    private final OutboxAdminSettings settings;

    OutboxAdminController(OutboxAdministration admin, OutboxAdminSettings settings) {
        this.admin = admin;
        this.settings = settings;
    }

    @Get("/parked{?workspaceId,limit,afterId}")
    @Operation(summary = "Parked outbox rows, oldest first, by pages (pass nextAfterId as afterId)")
    public ParkedPage parked(@Nullable @QueryValue String workspaceId, @Nullable @QueryValue String limit,
                             @Nullable @QueryValue String afterId) {
        long size = limit == null ? settings.defaultPageSize() : RequestValues.wholeNumber(limit, 1, "invalid_limit",
                "limit must be an integer of at least 1");
        if (size > settings.maxPageSize()) {
            throw ProblemException.badRequest("invalid_limit", "limit must be between 1 and " + settings.maxPageSize());
        }
        long after = afterId == null ? 0 : RequestValues.wholeNumber(afterId, 0, "invalid_after_id",
                "afterId must be an integer of at least 0");
        return admin.parked(RequestValues.workspaceId(workspaceId), after, (int) size);
    }

    @Post("/{id}/retry")
    @Operation(summary = "Send a parked row again: due now, attempts reset, same dedupe key")
    public OutboxRowView retry(String id) {
        long rowId = RequestValues.wholeNumber(id, 1, "invalid_id", "id must be an integer of at least 1");
        return switch (admin.retry(rowId)) {
            case OutboxAdministration.Retry.Done(OutboxRowView row) -> row;
            case OutboxAdministration.Retry.Missing() -> throw ProblemException.notFound("outbox row " + rowId);
            case OutboxAdministration.Retry.Refused(String state) -> throw ProblemException.conflict("not_parked",
                    "outbox row " + rowId + " is " + state + ": only a parked row can be retried");
        };
    }
}
