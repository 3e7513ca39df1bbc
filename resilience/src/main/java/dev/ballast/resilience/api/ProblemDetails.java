package dev.ballast.resilience.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.serde.annotation.Serdeable;

/**
 * An RFC 9457 problem body. {@code pointer} names the offending field of a request body as a JSON pointer
 * (RFC 6901) when there is one; {@code reason} is a stable machine-readable code.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProblemDetails(String type, String title, int status, @Nullable String detail,
                             @Nullable String reason, @Nullable String pointer) {

    public static ProblemDetails of(HttpStatus status, @Nullable String reason, @Nullable String detail) {
        return new ProblemDetails("about:blank", status.getReason(), status.getCode(), detail, reason, null);
    }

    public ProblemDetails withPointer(String jsonPointer) {
        return new ProblemDetails(type, title, status, detail, reason, jsonPointer);
    }

    public MutableHttpResponse<ProblemDetails> toResponse() {
        return HttpResponse.<ProblemDetails>status(HttpStatus.valueOf(status))
                .contentType(MediaType.APPLICATION_JSON_PROBLEM_TYPE)
                .body(this);
    }

    public static MutableHttpResponse<ProblemDetails> response(HttpStatus status, @Nullable String reason,
                                                               @Nullable String detail) {
        return of(status, reason, detail).toResponse();
    }
}
