package dev.ballast.webhook.outbox;

import io.micronaut.context.annotation.Value;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.ClientFilter;
import io.micronaut.http.annotation.RequestFilter;

/** Sends the service token to jobs-service when one is configured. The token is never logged. */
@ClientFilter(serviceId = "jobs")
final class JobsServiceToken {

    private final String token;

    JobsServiceToken(@Value("${ballast.webhook.outbox.jobs-service-token:}") String token) {
        this.token = token == null ? "" : token.strip();
    }

    @RequestFilter
    void authorize(MutableHttpRequest<?> request) {
        if (!token.isEmpty()) {
            request.bearerAuth(token);
        }
    }
}
