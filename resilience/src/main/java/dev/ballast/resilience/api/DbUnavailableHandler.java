package dev.ballast.resilience.api;

import dev.ballast.resilience.db.DatabaseSettings;
import dev.ballast.resilience.db.DbUnavailableException;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Produces;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/**
 * Every endpoint's answer when the database did not answer in time or at all: 503 with Retry-After and a problem
 * whose reason is {@code db_unavailable}, never a 500. One mapping here instead of a catch in each controller.
 */
@Singleton
@Produces
public final class DbUnavailableHandler implements ExceptionHandler<DbUnavailableException, HttpResponse<ProblemDetails>> {

    public static final String REASON = "db_unavailable";

    private final DatabaseSettings settings;

    DbUnavailableHandler(DatabaseSettings settings) {
        this.settings = settings;
    }

    @Override
    public HttpResponse<ProblemDetails> handle(HttpRequest request, DbUnavailableException exception) {
        // The operation and reason only: no SQL, URL or driver message.
        return ProblemDetails.response(HttpStatus.SERVICE_UNAVAILABLE, REASON,
                        "the database is unavailable (" + exception.operation() + ": "
                                + exception.reason().name().toLowerCase(java.util.Locale.ROOT) + "); try again later")
                .header(HttpHeaders.RETRY_AFTER, Long.toString(settings.retryAfterSeconds()));
    }
}
