package dev.ballast.resilience.http;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.filter.ClientFilterChain;
import io.micronaut.http.filter.HttpClientFilter;
import org.reactivestreams.Publisher;

/** Another client filter that adds an Idempotency-Key, as an outbox relay might: the policy must see it. */
@Filter("/stamped/**")
@Requires(property = "test.stamper.enabled", value = "true")
class IdempotencyKeyStamper implements HttpClientFilter {

    @Override
    public Publisher<? extends HttpResponse<?>> doFilter(MutableHttpRequest<?> request, ClientFilterChain chain) {
        return chain.proceed(request.header("Idempotency-Key", "stamped-1"));
    }
}
