package dev.ballast.jobs.workflow;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code /workflows/**} needs the service token ({@code JOBS_SERVICE_TOKEN}), checked before any other work. */
@ServerFilter("/workflows/**")
public final class WorkflowTokenFilter {

    private static final Logger LOG = LoggerFactory.getLogger(WorkflowTokenFilter.class);
    private final BearerTokenGuard check;

    WorkflowTokenFilter(WorkflowSettings settings) {
        this.check = new BearerTokenGuard("the workflow API", "JOBS_SERVICE_TOKEN", settings.serviceToken());
        if (!check.configured()) {
            LOG.warn("JOBS_SERVICE_TOKEN is not set: the workflow API answers 503 until it is");
        }
    }

    @RequestFilter
    public @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        return check.refusal(request);
    }
}
