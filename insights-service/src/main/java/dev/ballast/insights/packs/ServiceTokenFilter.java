package dev.ballast.insights.packs;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The insights API needs the service token ({@code INSIGHTS_SERVICE_TOKEN}), checked before any database work. */
@ServerFilter("/insights/**")
public final class ServiceTokenFilter {

    private static final Logger LOG = LoggerFactory.getLogger(ServiceTokenFilter.class);
    private final BearerTokenGuard guard;

    ServiceTokenFilter(@Value("${ballast.insights.service-token:}") @Nullable String token) {
        this.guard = new BearerTokenGuard("the insights API", "INSIGHTS_SERVICE_TOKEN", token);
        if (!guard.configured()) {
            LOG.warn("INSIGHTS_SERVICE_TOKEN is not set: the insights API answers 503 until it is");
        }
    }

    @RequestFilter
    public @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        return guard.refusal(request);
    }
}
