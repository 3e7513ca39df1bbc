package dev.ballast.jobs.admin;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** Ends a request with an {@link ApiProblem}; cheap to throw (no stack trace). */
public final class ApiProblemException extends RuntimeException {

    private final transient ApiProblem problem;

    public ApiProblemException(ApiProblem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public ApiProblem problem() {
        return problem;
    }

    /** Renders the problem as it is. */
    @Singleton
    @Produces
    static final class Handler implements ExceptionHandler<ApiProblemException, HttpResponse<ApiProblem>> {

        @Override
        public HttpResponse<ApiProblem> handle(HttpRequest request, ApiProblemException exception) {
            return exception.problem().toResponse();
        }
    }
}
