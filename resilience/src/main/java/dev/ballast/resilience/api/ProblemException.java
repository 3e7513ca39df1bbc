package dev.ballast.resilience.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;

/** Thrown by controllers and services to end a request with a problem+json answer. */
public final class ProblemException extends RuntimeException {

    private final transient ProblemDetails problem;

    public ProblemException(ProblemDetails problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public ProblemException(HttpStatus status, @Nullable String reason, @Nullable String detail) {
        this(ProblemDetails.of(status, reason, detail));
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(HttpStatus.NOT_FOUND, "not_found", what + " not found");
    }

    public static ProblemException badRequest(String reason, String detail) {
        return new ProblemException(HttpStatus.BAD_REQUEST, reason, detail);
    }

    public static ProblemException conflict(String reason, String detail) {
        return new ProblemException(HttpStatus.CONFLICT, reason, detail);
    }

    public ProblemDetails problem() {
        return problem;
    }
}
