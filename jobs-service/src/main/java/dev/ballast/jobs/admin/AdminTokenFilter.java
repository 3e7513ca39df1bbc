package dev.ballast.jobs.admin;

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

/** The admin API needs {@code Authorization: Bearer $JOBS_ADMIN_TOKEN}, checked before any other work. */
@ServerFilter("/admin/**")
public final class AdminTokenFilter {

    private static final Logger LOG = LoggerFactory.getLogger(AdminTokenFilter.class);
    private final BearerTokenGuard check;

    AdminTokenFilter(@Value("${ballast.jobs.admin-token:}") @Nullable String token) {
        this.check = new BearerTokenGuard("the admin job API", "JOBS_ADMIN_TOKEN", token);
        if (!check.configured()) {
            LOG.warn("JOBS_ADMIN_TOKEN is not set: the admin job API answers 503 until it is");
        }
    }

    @RequestFilter
    public @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        return check.refusal(request);
    }
}
