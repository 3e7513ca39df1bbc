package dev.ballast.resilience.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.order.Ordered;
import io.micronaut.http.BasicHttpAttributes;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MutableHttpRequest;
import io.micronaut.http.annotation.Filter;
import io.micronaut.http.client.ClientAttributes;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.filter.ClientFilterChain;
import io.micronaut.http.filter.ConditionalFilter;
import io.micronaut.http.filter.HttpClientFilter;
import io.netty.channel.Channel;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.net.URI;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The per-try half of the policy, as the innermost client filter: it stamps the remaining budget on the request
 * ({@value Deadline#HEADER}), cuts the try at its timeout, records how the try ended (status and
 * {@code Retry-After}, or abort class) and lets the policy abort the try when the caller goes away or we stop.
 * Retrying happens one level up, in {@link ClientPolicyInterceptor}: Micronaut's filter chain cannot be proceeded
 * twice.
 */
@Filter(Filter.MATCH_ALL_PATTERN)
final class AttemptFilter implements HttpClientFilter, ConditionalFilter {

    /** The header that makes a POST safe to resend (IETF draft-ietf-httpapi-idempotency-key-header). */
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    /** Where Micronaut's Netty client keeps a request's connection once it has one (its own constant is not public). */
    private static final String NETTY_CHANNEL = "netty_channel";

    @Override
    public int getOrder() {
        // client filters run in reverse order: the lowest order is closest to the wire, after every other filter
        // (auth, tracing, an Idempotency-Key stamper) has shaped the request
        return Ordered.HIGHEST_PRECEDENCE + 100;
    }

    @Override
    public boolean isEnabled(HttpRequest<?> request) {
        return attemptOf(request) != null;
    }

    @Override
    public Publisher<? extends HttpResponse<?>> doFilter(MutableHttpRequest<?> request, ClientFilterChain chain) {
        Attempt attempt = attemptOf(request);
        if (attempt == null) {
            return chain.proceed(request);
        }
        boolean declared = request.getHeaders().contains(IDEMPOTENCY_KEY) || isSideEffectFree(request);
        attempt.kind = RequestKind.of(request.getMethod(), declared);
        attempt.target = describe(request);
        if (attempt.run.policy().settings().propagateDeadline()) {
            request.header(Deadline.HEADER, Long.toString(attempt.timeoutMillis));
        }
        return downstream -> new Exchange(attempt, request, chain).start(downstream);
    }

    @Nullable
    private static Attempt attemptOf(HttpRequest<?> request) {
        return ClientAttributes.getInvocationContext(request)
            .flatMap(ctx -> ctx.getAttribute(Attempt.ATTRIBUTE, Attempt.class))
            .orElse(null);
    }

    private static boolean isSideEffectFree(HttpRequest<?> request) {
        return ClientAttributes.getInvocationContext(request)
            .map(ctx -> ctx.hasAnnotation(SideEffectFree.class) || ctx.getDeclaringType().isAnnotationPresent(SideEffectFree.class))
            .orElse(false);
    }

    /** Method, host and path template: never the query string, headers or body. */
    private static String describe(HttpRequest<?> request) {
        URI uri = request.getUri();
        String path = BasicHttpAttributes.getUriTemplate(request).orElse(uri.getRawPath());
        return request.getMethodName() + " " + (uri.getHost() == null ? "" : uri.getHost()) + path;
    }

    /** One exchange on the wire, cut short by {@link #abort} (timeout, caller gone, shutdown). */
    private final class Exchange implements Subscriber<HttpResponse<?>>, Subscription, Attempt.Abortable {

        private final Attempt attempt;
        private final MutableHttpRequest<?> request;
        private final ClientFilterChain chain;
        private Subscriber<? super HttpResponse<?>> downstream;

        // all guarded by this
        @Nullable
        private Subscription upstream;
        @Nullable
        private ScheduledFuture<?> timeout;
        @Nullable
        private HttpResponse<?> response;
        private boolean demanded;
        private boolean responseEmitted;
        private boolean upstreamCompleted;
        private boolean terminated;

        Exchange(Attempt attempt, MutableHttpRequest<?> request, ClientFilterChain chain) {
            this.attempt = attempt;
            this.request = request;
            this.chain = chain;
        }

        void start(Subscriber<? super HttpResponse<?>> subscriber) {
            downstream = subscriber;
            subscriber.onSubscribe(this);
            AbortClass early = attempt.bind(this);
            if (early != null) {
                abort(early);
                return;
            }
            synchronized (this) {
                if (terminated) {
                    return;
                }
                timeout = attempt.run.policy().owner().timer()
                    .schedule(() -> abort(AbortClass.TIMEOUT), attempt.timeoutMillis, TimeUnit.MILLISECONDS);
            }
            attempt.sentAtNanos = System.nanoTime();
            chain.proceed(request).subscribe(this);
        }

        @Override
        public synchronized void onSubscribe(Subscription s) {
            if (terminated) {
                s.cancel();
                return;
            }
            upstream = s;
            s.request(Long.MAX_VALUE);
        }

        @Override
        public synchronized void onNext(HttpResponse<?> r) {
            if (terminated || response != null) {
                return;
            }
            response = r;
            stopTimer();
            long retryAfter = attempt.run.policy().retryAfterMillis(r.getHeaders().get(HttpHeaders.RETRY_AFTER));
            attempt.record(CallOutcome.status(r.code(), retryAfter >= 0), retryAfter);
            drain();
        }

        @Override
        public synchronized void onError(Throwable t) {
            if (terminated) {
                return;
            }
            terminated = true;
            stopTimer();
            if (t instanceof HttpClientResponseException e) {
                long retryAfter = attempt.run.policy().retryAfterMillis(e.getResponse().getHeaders().get(HttpHeaders.RETRY_AFTER));
                attempt.record(CallOutcome.status(e.code(), retryAfter >= 0), retryAfter);
            } else {
                AbortClass c = AbortClassifier.classify(t);
                attempt.record(c == null ? CallOutcome.unclassified() : CallOutcome.aborted(c), RetryAfter.ABSENT);
            }
            downstream.onError(t);
        }

        @Override
        public synchronized void onComplete() {
            if (terminated) {
                return;
            }
            upstreamCompleted = true;
            if (response == null) {
                terminated = true;
                stopTimer();
                attempt.record(CallOutcome.unclassified(), RetryAfter.ABSENT);
                downstream.onComplete();
            } else {
                drain();
            }
        }

        @Override
        public synchronized void request(long n) {
            demanded = true;
            drain();
        }

        @Override
        public void cancel() {
            Subscription s;
            synchronized (this) {
                if (terminated) {
                    return;
                }
                terminated = true;
                stopTimer();
                if (response != null) {
                    s = upstream;
                } else {
                    // the subscriber left before any response: whoever waited for this call is gone
                    attempt.record(CallOutcome.aborted(AbortClass.CALLER_CANCELLED), RetryAfter.ABSENT);
                    s = upstream;
                    abandonConnection();
                }
            }
            if (s != null) {
                s.cancel();
            }
        }

        @Override
        public void abort(AbortClass abortClass) {
            Subscription s;
            synchronized (this) {
                if (terminated || response != null) {
                    return;
                }
                terminated = true;
                stopTimer();
                attempt.record(CallOutcome.aborted(abortClass), RetryAfter.ABSENT);
                s = upstream;
                abandonConnection();
                downstream.onError(new CallAbortedException(abortClass, abortMessage(abortClass)));
            }
            if (s != null) {
                s.cancel();
            }
        }

        /**
         * Closes the try's connection. Micronaut's client (as of 4.10) neither closes nor frees a connection whose
         * exchange was cancelled, so the request would stay open on the wire, and the provider keep working on it,
         * until it answered or the client's read timeout fired.
         */
        private void abandonConnection() {
            request.getAttribute(NETTY_CHANNEL, Channel.class).ifPresent(Channel::close);
        }

        private String abortMessage(AbortClass abortClass) {
            return switch (abortClass) {
                case TIMEOUT -> "no response within " + attempt.timeoutMillis + " ms";
                case CALLER_CANCELLED -> "caller went away";
                case SHUTDOWN -> "shutting down";
                default -> abortClass.tag();
            } + " (try " + attempt.number + ", " + attempt.target + ")";
        }

        private void drain() {
            if (demanded && response != null && !responseEmitted) {
                responseEmitted = true;
                downstream.onNext(response);
            }
            if (responseEmitted && upstreamCompleted && !terminated) {
                terminated = true;
                downstream.onComplete();
            }
        }

        private void stopTimer() {
            if (timeout != null) {
                timeout.cancel(false);
                timeout = null;
            }
        }
    }
}
