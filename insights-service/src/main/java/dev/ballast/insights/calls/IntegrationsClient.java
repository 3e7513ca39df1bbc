package dev.ballast.insights.calls;

import dev.ballast.integrations.api.IntegrationsOperations;
import io.micronaut.http.client.annotation.Client;

/**
 * integrations-service over HTTP: every LLM call of a tick. Base URL and timeouts: {@code micronaut.http.services.
 * integrations.*}; retries, deadline, budget and breaker: {@code ballast.clients.integrations.*}. Every POST carries an
 * Idempotency-Key, so the retry matrix treats it like a GET and a repeated call is answered from the stored answer.
 */
@Client(id = "integrations")
public interface IntegrationsClient extends IntegrationsOperations {
}
