package dev.ballast.insights.calls;

import dev.ballast.webhook.api.WebhookOperations;
import io.micronaut.http.client.annotation.Client;

/**
 * webhook-service over HTTP: the leads' messages. Base URL and timeouts: {@code micronaut.http.services.webhook.*};
 * retries, deadline, budget and breaker: {@code ballast.clients.webhook.*}.
 */
@Client(id = "webhook")
public interface WebhookClient extends WebhookOperations {
}
