package dev.ballast.resilience.api;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Renders {@link ProblemException}s as they are. */
@Singleton
@Produces
public final class ProblemExceptionHandler implements ExceptionHandler<ProblemException, HttpResponse<ProblemDetails>> {

    @Override
    public HttpResponse<ProblemDetails> handle(HttpRequest request, ProblemException exception) {
        return exception.problem().toResponse();
    }
}
