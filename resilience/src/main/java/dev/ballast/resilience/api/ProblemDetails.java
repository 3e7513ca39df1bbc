package dev.ballast.resilience.api;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.serde.annotation.Serdeable;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * An RFC 9457 problem body. {@code pointer} names the offending field of a request body as a JSON pointer
 * (RFC 6901) when there is one; {@code reason} is a stable machine-readable code. {@code extensions} are further
 * members written beside the standard ones (RFC 9457 section 3.2), e.g. {@code "db_unreachable": true} and the limits
 * in force, so that such an answer is still one problem document.
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ProblemDetails(String type, String title, int status, @Nullable String detail,
                             @Nullable String reason, @Nullable String pointer,
                             @JsonAnyGetter @JsonAnySetter Map<String, Object> extensions) {

    private static final Set<String> MEMBERS = Set.of("type", "title", "status", "detail", "instance", "reason",
            "pointer");

    public ProblemDetails {
        extensions = extensions == null || extensions.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new LinkedHashMap<>(extensions));
        for (String name : extensions.keySet()) {
            if (name == null || MEMBERS.contains(name)) {
                throw new IllegalArgumentException("an extension member cannot be named " + name);
            }
        }
    }

    public ProblemDetails(String type, String title, int status, @Nullable String detail, @Nullable String reason,
                          @Nullable String pointer) {
        this(type, title, status, detail, reason, pointer, Map.of());
    }

    public static ProblemDetails of(HttpStatus status, @Nullable String reason, @Nullable String detail) {
        return new ProblemDetails("about:blank", status.getReason(), status.getCode(), detail, reason, null);
    }

    public ProblemDetails withPointer(String jsonPointer) {
        return new ProblemDetails(type, title, status, detail, reason, jsonPointer, extensions);
    }

    /** A copy with one more extension member; a value must be something JSON can carry (text, number, list, map). */
    public ProblemDetails with(String name, Object value) {
        Map<String, Object> more = new LinkedHashMap<>(extensions);
        more.put(name, value);
        return new ProblemDetails(type, title, status, detail, reason, pointer, more);
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
