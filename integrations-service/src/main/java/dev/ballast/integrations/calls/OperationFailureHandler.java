package dev.ballast.integrations.calls;

import io.micronaut.context.annotation.Requirements;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Answers an {@link OperationFailure} with its stored problem document and status. */
@Singleton
@Produces
@Requirements(@Requires(classes = {OperationFailure.class, ExceptionHandler.class}))
final class OperationFailureHandler implements ExceptionHandler<OperationFailure, HttpResponse<String>> {

    @Override
    public HttpResponse<String> handle(HttpRequest request, OperationFailure failure) {
        var response = HttpResponse.<String>status(HttpStatus.valueOf(failure.status()))
                .contentType(MediaType.APPLICATION_JSON_PROBLEM_TYPE)
                .body(failure.problemJson());
        if (failure.retryAfterSeconds() != null) {
            response.header(HttpHeaders.RETRY_AFTER, Integer.toString(failure.retryAfterSeconds()));
        }
        return response;
    }
}
