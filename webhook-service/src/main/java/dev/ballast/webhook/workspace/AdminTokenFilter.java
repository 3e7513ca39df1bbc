package dev.ballast.webhook.workspace;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The admin API needs the admin token ({@code WEBHOOK_ADMIN_TOKEN}), checked before any other work. */
@ServerFilter("/admin/**")
public final class AdminTokenFilter {

    private static final Logger LOG = LoggerFactory.getLogger(AdminTokenFilter.class);
    private final BearerTokenGuard guard;

    AdminTokenFilter(WorkspaceSettings settings) {
        this.guard = new BearerTokenGuard("the admin API", "WEBHOOK_ADMIN_TOKEN", settings.adminToken());
        if (!guard.configured()) {
            LOG.warn("WEBHOOK_ADMIN_TOKEN is not set: the admin API answers 503 until it is");
        }
    }

    @RequestFilter
    public @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        return guard.refusal(request);
    }
}
