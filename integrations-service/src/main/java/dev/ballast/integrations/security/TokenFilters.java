package dev.ballast.integrations.security;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.RequestFilter;
import io.micronaut.http.annotation.ServerFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each audience's bearer token, checked before any other work (no query runs for a refused request): the service
 * token for the provider operations, the admin token for {@code /admin/**}, the cron token for {@code /cron/**}.
 */
@ServerFilter({"/ai/**", "/providers/**", "/notifications/**", "/integrations/**", "/admin/**", "/cron/**"})
final class TokenFilters implements Ordered {

    private static final Logger LOG = LoggerFactory.getLogger(TokenFilters.class);

    private final BearerTokenGuard operations;
    private final BearerTokenGuard admin;
    private final BearerTokenGuard cron;

    TokenFilters(TokenSettings settings) {
        this.operations = guard("the provider operations", "INTEGRATIONS_SERVICE_TOKEN", settings.serviceToken());
        this.admin = guard("the admin API", "INTEGRATIONS_ADMIN_TOKEN", settings.adminToken());
        this.cron = guard("the cron endpoints", "INTEGRATIONS_CRON_TOKEN", settings.cronToken());
    }

    @RequestFilter
    @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
        String path = request.getPath();
        BearerTokenGuard guard = path.startsWith("/admin/") ? admin : path.startsWith("/cron/") ? cron : operations;
        return guard.refusal(request);
    }

    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE;
    }

    private static BearerTokenGuard guard(String api, String envVar, @Nullable String token) {
        BearerTokenGuard guard = new BearerTokenGuard(api, envVar, token);
        if (!guard.configured()) {
            LOG.warn("{} is not set: {} answers 503 until it is", envVar, api);
        }
        return guard;
    }
}
