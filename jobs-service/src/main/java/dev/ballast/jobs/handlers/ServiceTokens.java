package dev.ballast.jobs.handlers;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.ClientFilter;
import io.micronaut.http.annotation.RequestFilter;

/** Bearer tokens for the services the handlers call, when configured. Tokens are never logged. */
final class ServiceTokens {

    private ServiceTokens() {
    }

    private static void authorize(MutableHttpRequest<?> request, String token) {
        if (!token.isEmpty()) {
            request.bearerAuth(token);
        }
    }

    private static String clean(@Nullable String token) {
        return token == null ? "" : token.strip();
    }

    /** webhook-service's {@code WEBHOOK_SERVICE_TOKEN}, known here as {@code JOBS_WEBHOOK_SERVICE_TOKEN}. */
    @ClientFilter(serviceId = "webhook")
    static final class Webhook {

        private final String token;

        Webhook(@Value("${ballast.jobs.handlers.webhook-service-token:}") @Nullable String token) {
            this.token = clean(token);
        }

        @RequestFilter
        void authorize(MutableHttpRequest<?> request) {
            ServiceTokens.authorize(request, token);
        }
    }

    @ClientFilter(serviceId = "integrations")
    static final class Integrations {

        private final String token;

        Integrations(@Value("${ballast.jobs.handlers.integrations-service-token:}") @Nullable String token) {
            this.token = clean(token);
        }

        @RequestFilter
        void authorize(MutableHttpRequest<?> request) {
            ServiceTokens.authorize(request, token);
        }
    }
}
