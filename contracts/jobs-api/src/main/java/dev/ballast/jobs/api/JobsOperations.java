package dev.ballast.jobs.queue;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;

import java.util.List;

/**
 * The enqueue API, declared once ({@code JobsController} implements it; webhook-service's outbox relay calls the
 * same shape). Idempotent by {@code Idempotency-Key}, which is the job's dedupe key: 201 when the job was created,
 * 200 with the existing job when the key was seen before (whatever that job's state; a finished job is never
 * re-armed). Needs {@code Authorization: Bearer <JOBS_SERVICE_TOKEN>} when that token is set.
 */
public interface JobsOperations {

    String IDEMPOTENCY_KEY = "Idempotency-Key";

    @Post("/jobs")
    HttpResponse<JobReceipt> enqueue(@Nullable @Header(IDEMPOTENCY_KEY) String idempotencyKey, @Body JobRequest job);

    /** Many jobs in one transaction: all stored or none; answers in request order. */
    @Post("/jobs/bulk")
    HttpResponse<List<JobReceipt>> enqueueAll(@Body List<JobRequest> jobs);
}
