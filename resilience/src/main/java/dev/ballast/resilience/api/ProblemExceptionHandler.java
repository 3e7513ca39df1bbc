package dev.ballast.resilience.api;

import dev.ballast.resilience.db.DatabaseSettings;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Renders {@link ProblemException}s as they are; a 503 says when to come back (Retry-After) unless it does already. */
@Singleton
@Produces
public final class ProblemExceptionHandler implements ExceptionHandler<ProblemException, HttpResponse<ProblemDetails>> {

    private final DatabaseSettings settings;

    ProblemExceptionHandler(DatabaseSettings settings) {
        this.settings = settings;
    }

    @Override
    public HttpResponse<ProblemDetails> handle(HttpRequest request, ProblemException exception) {
        MutableHttpResponse<ProblemDetails> response = exception.problem().toResponse();
        if (response.getStatus() == HttpStatus.SERVICE_UNAVAILABLE && !response.getHeaders().contains(HttpHeaders.RETRY_AFTER)) {
            long seconds = exception.retryAfterSeconds() >= 0 ? exception.retryAfterSeconds() : settings.retryAfterSeconds();
            response.header(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
        }
        return response;
    }
}
