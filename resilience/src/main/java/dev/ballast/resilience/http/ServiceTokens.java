package dev.ballast.resilience.http;

import io.micronaut.context.env.Environment;
import io.micronaut.http.BasicHttpAttributes;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.ClientFilter;
import io.micronaut.http.annotation.RequestFilter;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Sends one of our own services the bearer token it expects: a declarative client with id {@code <id>} gets
 * {@code Authorization: Bearer <ballast.service-tokens.<id>>} when that token is set and not blank. Clients without
 * a token (the third-party providers, whose credentials are per workspace) are left alone. Tokens are never logged.
 */
@ClientFilter
public final class ServiceTokens {

    /** Where a client's token is configured: {@code ballast.service-tokens.<client-id>}. */
    public static final String PREFIX = "ballast.service-tokens.";

    private final Environment environment;
    private final Map<String, String> tokens = new ConcurrentHashMap<>();

    ServiceTokens(Environment environment) {
        this.environment = environment;
    }

    @RequestFilter
    void authorize(MutableHttpRequest<?> request) {
        BasicHttpAttributes.getServiceId(request).map(this::tokenOf).filter(t -> !t.isEmpty())
                .ifPresent(request::bearerAuth);
    }

    private String tokenOf(String clientId) {
        return tokens.computeIfAbsent(clientId,
                id -> environment.getProperty(PREFIX + id, String.class).map(String::strip).orElse(""));
    }
}
