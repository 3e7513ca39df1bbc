package dev.ballast.jobs.admin;

import dev.ballast.jobs.admin.AdminApi.JobDetail;
import dev.ballast.jobs.admin.AdminApi.JobPage;
import dev.ballast.jobs.admin.AdminApi.JobView;
import dev.ballast.jobs.admin.AdminApi.Stats;
import dev.ballast.jobs.admin.JobAdministration.Change;
import dev.ballast.jobs.admin.JobAdministration.Filter;
import dev.ballast.jobs.queue.JobState;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.api.RequestValues;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.sql.SQLException;
import java.util.Arrays;

/**
 * The admin job API ({@code Authorization: Bearer $JOBS_ADMIN_TOKEN}, see {@link AdminTokenFilter}). Query values
 * arrive as strings and are validated here, so that every bad one is a 400 problem naming it.
 */
@Controller("/admin/jobs")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "admin")
public class AdminJobsController {

    private static final int MAX_TYPE_LENGTH = 200;

    private final JobAdministration admin;
    private final AdminSettings settings;

    AdminJobsController(JobAdministration admin, AdminSettings settings) {
        this.admin = admin;
        this.settings = settings;
    }

    @Get("{?status,type,workspaceId,limit,after}")
    @Operation(summary = "Jobs, newest first, by pages (pass nextAfter as after); filters are exact matches")
    public JobPage list(@Nullable @QueryValue String status, @Nullable @QueryValue String type,
                        @Nullable @QueryValue String workspaceId, @Nullable @QueryValue String limit,
                        @Nullable @QueryValue String after) throws SQLException {
        if (type != null && (type.isEmpty() || type.length() > MAX_TYPE_LENGTH || type.indexOf('\0') >= 0)) {
            throw ProblemException.badRequest("invalid_type", "type must be 1 to " + MAX_TYPE_LENGTH + " characters, without NUL");
        }
        long size = limit == null ? settings.defaultPageSize() : RequestValues.wholeNumber(limit, 1, "invalid_limit", "limit must be a positive integer");
        if (size > settings.maxPageSize()) {
            throw ProblemException.badRequest("invalid_limit", "limit must be between 1 and " + settings.maxPageSize());
        }
        Long cursor = after == null ? null : RequestValues.wholeNumber(after, 1, "invalid_after", "after must be a positive integer");
        return admin.list(new Filter(state(status), type, RequestValues.workspaceId(workspaceId), cursor, (int) size));
    }

    @Get("/stats")
    @Operation(summary = "Depth, due count and oldest due age per type and live status")
    public Stats stats() throws SQLException {
        return admin.stats();
    }

    @Get("/{id}")
    @Operation(summary = "One job with its attempts")
    public JobDetail job(String id) throws SQLException {
        long jobId = RequestValues.wholeNumber(id, 1, "invalid_id", "a job id is a positive integer");
        return admin.detail(jobId).orElseThrow(() -> ProblemException.notFound("job " + jobId));
    }

    @Post("/{id}/retry")
    @Operation(summary = "Make a dead or cancelled job available again, with a fresh attempt budget")
    public JobView retry(String id) throws SQLException {
        long jobId = RequestValues.wholeNumber(id, 1, "invalid_id", "a job id is a positive integer");
        return done(jobId, admin.retry(jobId), "only a dead or cancelled job can be retried");
    }

    @Post("/{id}/cancel")
    @Operation(summary = "Cancel an available or running job; cancelling a cancelled job changes nothing")
    public JobView cancel(String id) throws SQLException {
        long jobId = RequestValues.wholeNumber(id, 1, "invalid_id", "a job id is a positive integer");
        return done(jobId, admin.cancel(jobId), "only an available or running job can be cancelled");
    }

    private static JobView done(long id, Change change, String rule) {
        return switch (change) {
            case Change.Done(JobView job) -> job;
            case Change.Missing() -> throw ProblemException.notFound("job " + id);
            case Change.Refused(JobState status) -> throw ProblemException.conflict("invalid_state",
                    "job " + id + " is " + status.column() + ": " + rule);
        };
    }

    private static @Nullable JobState state(@Nullable String status) {
        if (status == null) {
            return null;
        }
        for (JobState s : JobState.values()) {
            if (s.column().equals(status)) {
                return s;
            }
        }
        throw ProblemException.badRequest("invalid_status", "status must be one of " + String.join(", ",
                Arrays.stream(JobState.values()).map(JobState::column).sorted().toList()));
    }
}
