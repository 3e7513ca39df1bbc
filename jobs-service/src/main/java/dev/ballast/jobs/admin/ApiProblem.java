package dev.ballast.jobs.admin;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.serde.annotation.Serdeable;

/**
 * An RFC 9457 problem body of the admin and workflow APIs; {@code reason} is a stable machine-readable code.
 * Thrown as {@link ApiProblemException}, or answered directly by filters.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ApiProblem(String type, String title, int status, @Nullable String detail, @Nullable String reason) {

    public static ApiProblem of(HttpStatus status, String reason, String detail) {
        return new ApiProblem("about:blank", status.getReason(), status.getCode(), detail, reason);
    }

    public MutableHttpResponse<ApiProblem> toResponse() {
        return HttpResponse.<ApiProblem>status(HttpStatus.valueOf(status))
                .contentType(MediaType.APPLICATION_JSON_PROBLEM_TYPE).body(this);
    }

    public static ApiProblemException badRequest(String reason, String detail) {
        return new ApiProblemException(of(HttpStatus.BAD_REQUEST, reason, detail));
    }

    public static ApiProblemException notFound(String what) {
        return new ApiProblemException(of(HttpStatus.NOT_FOUND, "not_found", what + " not found"));
    }

    public static ApiProblemException conflict(String reason, String detail) {
        return new ApiProblemException(of(HttpStatus.CONFLICT, reason, detail));
    }
}
