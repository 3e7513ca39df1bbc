package dev.ballast.resilience.http;

import io.micronaut.http.HttpMethod;

/** The three columns of the retry matrix: how safe it is to send this request twice. */
public enum RequestKind {

    /** GET, HEAD, PUT, DELETE (and OPTIONS, TRACE): idempotent by RFC 9110. */
    IDEMPOTENT,

    /** A POST (or PATCH) that carries an {@code Idempotency-Key} header or is declared {@link SideEffectFree}. */
    DECLARED_IDEMPOTENT,

    /** Any other POST or PATCH: a second copy may do the work twice. */
    UNSAFE;

    /**
     * The column for a request.
     *
     * @param method             the HTTP method
     * @param declaredIdempotent whether it carries an {@code Idempotency-Key} or is declared side-effect free
     */
    public static RequestKind of(HttpMethod method, boolean declaredIdempotent) {
        return switch (method) {
            case GET, HEAD, PUT, DELETE, OPTIONS, TRACE -> IDEMPOTENT;
            default -> declaredIdempotent ? DECLARED_IDEMPOTENT : UNSAFE;
        };
    }
}
