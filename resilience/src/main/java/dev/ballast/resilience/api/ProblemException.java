package dev.ballast.resilience.api;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;

/** Thrown by controllers and services to end a request with a problem+json answer. */
public final class ProblemException extends RuntimeException {

    private final transient ProblemDetails problem;
    private final long retryAfterSeconds;

    public ProblemException(ProblemDetails problem) {
        this(problem, -1);
    }

    private ProblemException(ProblemDetails problem, long retryAfterSeconds) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
        this.retryAfterSeconds = retryAfterSeconds;
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

    /** 503 with its own Retry-After, for a refusal that clears sooner (or later) than a database outage. */
    public static ProblemException unavailable(String reason, String detail, long retryAfterSeconds) {
        return new ProblemException(ProblemDetails.of(HttpStatus.SERVICE_UNAVAILABLE, reason, detail), retryAfterSeconds);
    }

    public ProblemDetails problem() {
        return problem;
    }

    /** The Retry-After this refusal names, or -1: the handler then uses the database's. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
