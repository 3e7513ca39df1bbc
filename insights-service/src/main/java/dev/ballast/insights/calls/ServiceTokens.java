package dev.ballast.insights.calls;

import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.ClientFilter;
import io.micronaut.http.annotation.RequestFilter;

/** Bearer tokens for the services insights-service calls, when configured. Tokens are never logged. */
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

    /** webhook-service's service token, known here as {@code INSIGHTS_WEBHOOK_SERVICE_TOKEN}. */
    @ClientFilter(serviceId = "webhook")
    static final class Webhook {

        private final String token;

        Webhook(@Value("${ballast.insights.webhook-service-token:}") @Nullable String token) {
            this.token = clean(token);
        }

        @RequestFilter
        void authorize(MutableHttpRequest<?> request) {
            ServiceTokens.authorize(request, token);
        }
    }

    /** integrations-service's service token, known here as {@code INSIGHTS_INTEGRATIONS_SERVICE_TOKEN}. */
    @ClientFilter(serviceId = "integrations")
    static final class Integrations {

        private final String token;

        Integrations(@Value("${ballast.insights.integrations-service-token:}") @Nullable String token) {
            this.token = clean(token);
        }

        @RequestFilter
        void authorize(MutableHttpRequest<?> request) {
            ServiceTokens.authorize(request, token);
        }
    }
}
