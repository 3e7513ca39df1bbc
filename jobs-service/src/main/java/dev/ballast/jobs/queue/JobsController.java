package dev.ballast.jobs.queue;

import dev.ballast.jobs.api.JobReceipt;
import dev.ballast.jobs.api.JobRequest;
import dev.ballast.jobs.api.JobsOperations;
import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.jobs.queue.JobQueue.Enqueued;
import dev.ballast.jobs.queue.JobQueue.NewJob;
import dev.ballast.resilience.db.DbFailureClassifier;
import dev.ballast.resilience.db.DbUnavailableException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

@Controller
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "jobs")
public class JobsController implements JobsOperations {

    private final JobQueue queue;
    private final QueueSettings settings;

    JobsController(JobQueue queue, QueueSettings settings) {
        this.queue = queue;
        this.settings = settings;
    }

    @Override
    @Operation(summary = "Enqueue a job; the Idempotency-Key is its dedupe key (201 created, 200 existing)")
    public HttpResponse<JobReceipt> enqueue(@Nullable String idempotencyKey, JobRequest job) {
        if (job == null) {
            throw invalid(new InvalidJobException("", "a JSON body is required"));
        }
        String key = job.dedupeKey();
        if (idempotencyKey != null) {
            if (idempotencyKey.isBlank() || idempotencyKey.length() > JobQueueService.MAX_KEY) {
                throw invalid(new InvalidJobException("", "the Idempotency-Key header must be 1.."
                        + JobQueueService.MAX_KEY + " characters"));
            }
            if (key != null && !key.equals(idempotencyKey)) {
                throw invalid(new InvalidJobException("/dedupeKey", "dedupeKey differs from the Idempotency-Key header"));
            }
            key = idempotencyKey;
        }
        NewJob newJob;
        try {
            newJob = newJob(job, key, "");
        } catch (InvalidJobException e) {
            throw invalid(e);
        }
        Enqueued enqueued = store(() -> queue.enqueue(newJob));
        return HttpResponse.status(enqueued.created() ? HttpStatus.CREATED : HttpStatus.OK)
                .body(receipt(enqueued));
    }

    @Override
    @Operation(summary = "Enqueue many jobs in one transaction; answers in request order (partial=true: invalid "
            + "items answered 'refused' in place, the others stored)")
    public HttpResponse<List<JobReceipt>> enqueueAll(@Nullable String idempotencyKey, @Nullable Boolean partial,
                                                     List<JobRequest> jobs) {
        if (jobs == null) {
            throw invalid(new InvalidJobException("", "a JSON array is required"));
        }
        if (jobs.size() > settings.bulkMaxItems()) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "too_many_jobs",
                    "at most " + settings.bulkMaxItems() + " jobs per request, got " + jobs.size());
        }
        if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > JobQueueService.MAX_KEY)) {
            throw invalid(new InvalidJobException("", "the Idempotency-Key header must be 1.."
                    + JobQueueService.MAX_KEY + " characters"));
        }
        boolean each = Boolean.TRUE.equals(partial);
        List<NewJob> newJobs = new ArrayList<>(jobs.size());
        JobReceipt[] refused = new JobReceipt[jobs.size()];
        for (int i = 0; i < jobs.size(); i++) {
            try {
                NewJob newJob = bulkItem(jobs.get(i), idempotencyKey != null, "/" + i);
                if (each) {
                    queue.check(newJob);
                }
                newJobs.add(newJob);
            } catch (InvalidJobException e) {
                if (!each) {
                    throw invalid(e);
                }
                InvalidJobException at = e.pointer().startsWith("/" + i) ? e : e.at("/" + i);
                refused[i] = JobReceipt.refused(at.getMessage(), at.pointer());
            }
        }
        List<Enqueued> enqueued = store(() -> queue.enqueueAll(newJobs));
        List<JobReceipt> answers = new ArrayList<>(jobs.size());
        int stored = 0;
        for (JobReceipt r : refused) {
            answers.add(r != null ? r : receipt(enqueued.get(stored++)));
        }
        return HttpResponse.ok(answers);
    }

    /** One bulk item as a job; throws {@link InvalidJobException} pointing into the array. */
    private static NewJob bulkItem(@Nullable JobRequest job, boolean keyed, String at) {
        if (job == null) {
            throw new InvalidJobException(at, "a job object is required");
        }
        if (keyed && job.dedupeKey() == null) {
            throw new InvalidJobException(at + "/dedupeKey",
                    "every job needs a dedupeKey when the call carries an Idempotency-Key (it is what dedupes a resend)");
        }
        return newJob(job, job.dedupeKey(), at);
    }

    private static JobReceipt receipt(Enqueued e) {
        return new JobReceipt(Long.toString(e.id()), e.status().column(), e.created());
    }

    private static NewJob newJob(JobRequest job, @Nullable String dedupeKey, String at) throws InvalidJobException {
        UUID workspace = null;
        if (job.workspaceId() != null) {
            try {
                workspace = UUID.fromString(job.workspaceId());
            } catch (IllegalArgumentException e) {
                throw new InvalidJobException(at + "/workspaceId", "workspaceId must be a UUID");
            }
        }
        Instant runAt = null;
        if (job.runAt() != null) {
            try {
                runAt = Instant.parse(job.runAt());
            } catch (DateTimeParseException e) {
                throw new InvalidJobException(at + "/runAt", "runAt must be an ISO-8601 instant, e.g. 2030-01-01T00:00:00Z");
            }
        }
        return new NewJob(job.type(), workspace, job.payload(), dedupeKey, runAt, job.priority(), job.maxAttempts());
    }

    private interface Store<T> {
        T run();
    }

    private static <T> T store(Store<T> work) {
        try {
            return work.run();
        } catch (InvalidJobException e) {
            throw invalid(e);
        } catch (DbUnavailableException e) {
            throw new ProblemException(ProblemDetails.of(HttpStatus.SERVICE_UNAVAILABLE, "db_unavailable",
                    "the job store is unavailable, try again later"));
        } catch (RuntimeException e) {
            String state = DbFailureClassifier.sqlState(e);
            if (state != null && state.startsWith("22")) {
                // The database refused a value (e.g. a \u0000 in the payload text): the job is wrong, not the service.
                throw invalid(new InvalidJobException("/payload", "the payload holds a value PostgreSQL cannot store"));
            }
            throw e;
        }
    }

    private static ProblemException invalid(InvalidJobException e) {
        return new ProblemException(ProblemDetails.of(HttpStatus.UNPROCESSABLE_ENTITY, "invalid_job", e.getMessage())
                .withPointer(e.pointer()));
    }
}
