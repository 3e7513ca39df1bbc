package dev.ballast.jobs.queue;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enqueue API needs the service token ({@code JOBS_SERVICE_TOKEN}) before any other work. Unset, it answers 503,
 * like every other token-guarded API here, so a missing Kubernetes Secret shows up at once instead of opening it.
 */
@ServerFilter({"/jobs", "/jobs/bulk"})
public final class JobsServiceTokenFilter {

    private static final Logger LOG = LoggerFactory.getLogger(JobsServiceTokenFilter.class);
    private final BearerTokenGuard guard;

    JobsServiceTokenFilter(QueueSettings settings) {
        this.guard = new BearerTokenGuard("the enqueue API", "JOBS_SERVICE_TOKEN", settings.serviceToken());
        if (!guard.configured()) {
            LOG.warn("JOBS_SERVICE_TOKEN is not set: POST /jobs answers 503 until it is");
        }
    }

    @RequestFilter
    public @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        return guard.refusal(request);
    }
}
