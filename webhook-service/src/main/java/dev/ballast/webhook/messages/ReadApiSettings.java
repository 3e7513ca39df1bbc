package dev.ballast.webhook.messages;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

/**
 * Knobs of the API other services read messages through ({@code ballast.webhook.read-api.*}).
 *
 * @param serviceToken     bearer token other services present; the API answers 503 while it is not set
 * @param defaultPageSize  page size of {@code GET /leads/{id}/messages} when none is asked for
 * @param maxPageSize      largest page size a caller may ask for
 * @param maxAnnotationBytes largest annotation body accepted
 */
@ConfigurationProperties("ballast.webhook.read-api")
public record ReadApiSettings(
        @Nullable String serviceToken,
        @Bindable(defaultValue = "50") int defaultPageSize,
        @Bindable(defaultValue = "200") int maxPageSize,
        @Bindable(defaultValue = "65536") int maxAnnotationBytes) {

    @Override
    public String toString() {
        return "ReadApiSettings[serviceToken=" + (serviceToken == null || serviceToken.isBlank() ? "unset" : "set")
                + ", defaultPageSize=" + defaultPageSize + ", maxPageSize=" + maxPageSize + ", maxAnnotationBytes=" + maxAnnotationBytes + "]";
    }
}
