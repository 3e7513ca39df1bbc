package dev.ballast.integrations.providers;

import io.micronaut.context.env.Environment;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.ClientFilter;
import io.micronaut.http.annotation.RequestFilter;


import java.net.URI;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stamps the workspace's credentials on every provider request, in the header each provider expects, and sends the
 * request to the workspace's own instance when its credentials name one (else to the configured URL, whose path,
 * e.g. OpenAI's {@code /v1}, Micronaut would otherwise drop). Credentials never pass through a client method's
 * parameters, so they never show in a log line that describes a call.
 */
@ClientFilter(serviceId = {"ai", "emailbison", "ghl", "slack", "unipile"})
final class ProviderAuthFilter {

    /** The API version GHL's v2 endpoints require. */
    static final String GHL_VERSION = "2021-04-15";

    private final Environment environment;
    private final Map<Provider, Optional<URI>> configured = new ConcurrentHashMap<>();

    ProviderAuthFilter(Environment environment) {
        this.environment = environment;
    }

    @RequestFilter
    void stamp(MutableHttpRequest<?> request) {
        ProviderAccess access = ProviderAccess.current().orElse(null);
        if (access == null) {
            return;
        }
        switch (access.provider()) {
            case UNIPILE -> request.header("X-API-KEY", access.token());
            case GHL -> request.bearerAuth(access.token()).header("Version", GHL_VERSION);
            default -> request.bearerAuth(access.token());
        }
        URI base = access.baseUrl() != null && !access.baseUrl().isBlank() ? URI.create(access.baseUrl().strip())
                : configured.computeIfAbsent(access.provider(), p -> environment
                        .getProperty("micronaut.http.services." + p.id() + ".url", String.class).map(URI::create))
                .orElse(null);
        if (base != null) {
            request.uri(rebase(request.getUri(), base));
        }
    }

    /** {@code uri}'s path and query on {@code base}'s scheme, host and port. */
    static URI rebase(URI uri, URI base) {
        String basePath = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String path = uri.getRawPath();
        if (!basePath.isEmpty() && path.startsWith(basePath + "/")) {
            return uri;
        }
        return URI.create(base.getScheme() + "://" + base.getRawAuthority() + basePath + path + query);
    }
}
