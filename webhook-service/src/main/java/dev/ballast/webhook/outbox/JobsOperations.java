package dev.ballast.webhook.outbox;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Post;

/**
 * jobs-service's enqueue API, declared once: jobs-service's controller implements it, {@link JobsClient} extends it.
 * Enqueueing is idempotent by {@code Idempotency-Key} (the outbox dedupe key): 201 when the job was created, 200
 * when one with that key exists already. The key also makes the call retryable under the resilience policy.
 */
public interface JobsOperations {

    String IDEMPOTENCY_KEY = "Idempotency-Key";

    @Post("/jobs")
    HttpResponse<JobReceipt> enqueue(@Header(IDEMPOTENCY_KEY) String idempotencyKey, @Body JobRequest job);
}
