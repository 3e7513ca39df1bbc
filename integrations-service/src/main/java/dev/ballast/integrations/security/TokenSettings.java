package dev.ballast.integrations.security;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;

/**
 * The bearer tokens of the three audiences ({@code ballast.integrations.*}); an API whose token is unset answers 503.
 *
 * @param serviceToken the provider operations, called by jobs-service and insights-service
 * @param adminToken   the admin API
 * @param cronToken    the cron endpoints
 */
@ConfigurationProperties("ballast.integrations")
public record TokenSettings(@Nullable String serviceToken, @Nullable String adminToken, @Nullable String cronToken) {

    @Override
    public String toString() {
        return "TokenSettings[serviceToken=" + set(serviceToken) + ", adminToken=" + set(adminToken)
                + ", cronToken=" + set(cronToken) + "]";
    }

    private static String set(@Nullable String token) {
        return token == null || token.isBlank() ? "unset" : "set";
    }
}
