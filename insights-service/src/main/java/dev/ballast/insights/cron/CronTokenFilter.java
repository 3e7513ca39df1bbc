package dev.ballast.insights.cron;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Every cron endpoint needs the cron token ({@code INSIGHTS_CRON_TOKEN}), checked before any database work. */
@ServerFilter("/cron/**")
public final class CronTokenFilter {

    private static final Logger LOG = LoggerFactory.getLogger(CronTokenFilter.class);
    private final BearerTokenGuard guard;

    CronTokenFilter(CronSettings settings) {
        this.guard = new BearerTokenGuard("the cron API", "INSIGHTS_CRON_TOKEN", settings.token());
        if (!guard.configured()) {
            LOG.warn("INSIGHTS_CRON_TOKEN is not set: the cron endpoints answer 503 until it is");
        }
    }

    @RequestFilter
    public @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        return guard.refusal(request);
    }
}
