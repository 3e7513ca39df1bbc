package dev.ballast.resilience.http;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Declares that a POST (or PATCH) of a declarative client changes nothing on the server, e.g. a search or a
 * sentiment classification, so the retry matrix may resend it like a GET. On a type it covers every method.
 * A request that carries an {@code Idempotency-Key} header needs no annotation.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.METHOD, ElementType.TYPE})
public @interface SideEffectFree {
}
