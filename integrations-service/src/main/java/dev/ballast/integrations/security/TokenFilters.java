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

/** Each audience's bearer token, checked before any other work (no query runs for a refused request). */
final class TokenFilters {

    private static final Logger LOG = LoggerFactory.getLogger(TokenFilters.class);

    private TokenFilters() {
    }

    private static BearerTokenGuard guard(String api, String envVar, @Nullable String token) {
        BearerTokenGuard guard = new BearerTokenGuard(api, envVar, token);
        if (!guard.configured()) {
            LOG.warn("{} is not set: {} answers 503 until it is", envVar, api);
        }
        return guard;
    }

    @ServerFilter({"/ai/**", "/providers/**", "/notifications/**"})
    static final class Operations implements Ordered {

        private final BearerTokenGuard guard;

        Operations(TokenSettings settings) {
            this.guard = guard("the provider operations", "INTEGRATIONS_SERVICE_TOKEN", settings.serviceToken());
        }

        @RequestFilter
        @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
            return guard.refusal(request);
        }

        @Override
        public int getOrder() {
            return HIGHEST_PRECEDENCE;
        }
    }

    @ServerFilter("/admin/**")
    static final class Admin implements Ordered {

        private final BearerTokenGuard guard;

        Admin(TokenSettings settings) {
            this.guard = guard("the admin API", "INTEGRATIONS_ADMIN_TOKEN", settings.adminToken());
        }

        @RequestFilter
        @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
            return guard.refusal(request);
        }

        @Override
        public int getOrder() {
            return HIGHEST_PRECEDENCE;
        }
    }

    @ServerFilter("/cron/**")
    static final class Cron implements Ordered {

        private final BearerTokenGuard guard;

        Cron(TokenSettings settings) {
            this.guard = guard("the cron endpoints", "INTEGRATIONS_CRON_TOKEN", settings.cronToken());
        }

        @RequestFilter
        @Nullable HttpResponse<ProblemDetails> authorize(HttpRequest<?> request) {
            return guard.refusal(request);
        }

        @Override
        public int getOrder() {
            return HIGHEST_PRECEDENCE;
        }
    }
}
