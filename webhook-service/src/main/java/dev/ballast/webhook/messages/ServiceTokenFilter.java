package dev.ballast.webhook.messages;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The read API needs the service token ({@code WEBHOOK_SERVICE_TOKEN}), checked before any other work. */
@ServerFilter({"/messages/**", "/leads/**"})
public final class ServiceTokenFilter {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceTokenFilter.class);
    private final BearerTokenGuard guard;

    ServiceTokenFilter(ReadApiSettings settings) {
        this.guard = new BearerTokenGuard("the message read API", "WEBHOOK_SERVICE_TOKEN", settings.serviceToken());
        if (!guard.configured()) {
            LOG.warn("WEBHOOK_SERVICE_TOKEN is not set: the message read API answers 503 until it is");
        }
    }

    @RequestFilter
    public @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        return guard.refusal(request);
    }
}
