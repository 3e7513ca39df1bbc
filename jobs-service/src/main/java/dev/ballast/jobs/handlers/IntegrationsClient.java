package dev.ballast.jobs.handlers;

import dev.ballast.integrations.api.IntegrationsOperations;
import io.micronaut.http.client.annotation.Client;

/**
 * integrations-service over HTTP. Base URL and timeouts: {@code micronaut.http.services.integrations.*}; retries,
 * deadline, budget and breaker: {@code ballast.clients.integrations.*}. Every POST carries an Idempotency-Key, so the
 * retry matrix treats it like a GET.
 */
@Client(id = "integrations")
public interface IntegrationsClient extends IntegrationsOperations {
}
