package dev.ballast.webhook.outbox;

import dev.ballast.jobs.api.JobsOperations;
import io.micronaut.http.client.annotation.Client;

/**
 * jobs-service over HTTP. Base URL and timeouts come from {@code micronaut.http.services.jobs.*}; retries, deadline,
 * retry budget and breaker from {@code ballast.clients.jobs.*} (the resilience module applies them).
 */
@Client(id = "jobs")
public interface JobsClient extends JobsOperations {
}
