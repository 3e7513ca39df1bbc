package dev.ballast.jobs.queue;

import dev.ballast.jobs.http.BearerTokenGuard;
import dev.ballast.jobs.http.ProblemDetails;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The enqueue API needs the service token ({@code JOBS_SERVICE_TOKEN}) before any other work. Unset, the API is open:
 * jobs-service then relies on the network (a cluster-internal Service) to keep callers out.
 */
@ServerFilter({"/jobs", "/jobs/bulk"})
public final class JobsServiceTokenFilter {

    private static final Logger LOG = LoggerFactory.getLogger(JobsServiceTokenFilter.class);
    private final BearerTokenGuard guard;

    JobsServiceTokenFilter(QueueSettings settings) {
        this.guard = new BearerTokenGuard("the enqueue API", "JOBS_SERVICE_TOKEN", settings.serviceToken(), true);
        if (!guard.configured()) {
            LOG.warn("JOBS_SERVICE_TOKEN is not set: POST /jobs accepts callers without a token");
        }
    }

    @RequestFilter
    public @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        return guard.refusal(request);
    }
}
