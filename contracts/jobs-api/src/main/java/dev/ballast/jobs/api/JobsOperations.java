package dev.ballast.jobs.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;

import java.util.List;

/**
 * jobs-service's enqueue API. Its {@code JobsController} implements this interface and every caller's
 * {@code @Client(id = "jobs")} extends it, so a change here breaks the callers' compile, not production.
 *
 * <p>Idempotent by {@code Idempotency-Key}, which is the job's dedupe key: 201 when the job was created, 200 with the
 * existing job when the key was seen before (whatever that job's state; a finished job is never re-armed). The key
 * also makes the POST retryable under the callers' retry policy. Needs {@code Authorization: Bearer
 * <JOBS_SERVICE_TOKEN>}; 503 while that token is unset.
 */
public interface JobsOperations {

    String IDEMPOTENCY_KEY = "Idempotency-Key";

    @Post("/jobs")
    HttpResponse<JobReceipt> enqueue(@Nullable @Header(IDEMPOTENCY_KEY) String idempotencyKey, @Body JobRequest job);

    /**
     * Many jobs in one transaction; answers in request order, a repeated dedupe key answering with the first's job.
     * Without {@code partial} it is all or nothing: one invalid item is a 422 naming it ({@code /<index>/<field>})
     * and nothing is stored. With {@code partial=true} each invalid item is answered in its place with status
     * {@code refused} and its problem, and the valid ones are stored. An {@code Idempotency-Key} header declares the
     * call safe to resend (callers' retry policies read it): then every item must carry its {@code dedupeKey},
     * which is what dedupes a resend; the header's value itself is not stored.
     */
    @Post("/jobs/bulk{?partial}")
    HttpResponse<List<JobReceipt>> enqueueAll(@Nullable @Header(IDEMPOTENCY_KEY) String idempotencyKey,
                                              @Nullable @QueryValue Boolean partial, @Body List<JobRequest> jobs);
}
