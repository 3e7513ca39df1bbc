package dev.ballast.resilience.http;

import io.micronaut.aop.InterceptedMethod;
import io.micronaut.aop.InterceptorBean;
import io.micronaut.aop.MethodInterceptor;
import io.micronaut.aop.MethodInvocationContext;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.convert.ConversionService;
import io.micronaut.core.order.Ordered;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.core.type.ReturnType;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.HttpMethodMapping;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.retry.annotation.CircuitBreaker;
import io.micronaut.retry.annotation.Retryable;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Applies {@code ballast.clients.<id>.*} to every declarative {@code @Client(id = "<id>")}, without a line of
 * code in the client or its callers. It binds to {@link Client} itself and runs just before Micronaut's client
 * advice, so each retry re-runs the whole request: binding, serialisation and every client filter.
 *
 * <p>Blocking methods retry on the caller's thread; {@code CompletionStage} and single-result {@code Publisher}
 * methods retry asynchronously on the scheduled executor. Streaming publishers are passed through untouched,
 * since half a stream cannot be replayed.
 */
@InterceptorBean(Client.class)
final class ClientPolicyInterceptor implements MethodInterceptor<Object, Object>, Ordered {

    private final ClientPolicies policies;
    private final ConversionService conversionService;

    ClientPolicyInterceptor(ClientPolicies policies, ConversionService conversionService) {
        this.policies = policies;
        this.conversionService = conversionService;
    }

    @Override
    public int getOrder() {
        // before HttpClientIntroductionAdvice (order 0), which sends the request and never proceeds
        return -100;
    }

    @Override
    @Nullable
    public Object intercept(MethodInvocationContext<Object, Object> context) {
        if (!context.hasStereotype(HttpMethodMapping.class)) {
            return context.proceed();
        }
        ClientCallPolicy policy = context.stringValue(Client.class, "id")
            .or(() -> context.stringValue(Client.class))
            .flatMap(policies::forClient)
            .orElse(null);
        if (policy == null) {
            return context.proceed();
        }
        if (context.hasStereotype(Retryable.class) || context.hasStereotype(CircuitBreaker.class)) {
            throw new ConfigurationException(context.getDeclaringType().getSimpleName() + "." + context.getMethodName()
                + " has @Retryable/@CircuitBreaker and a ballast.clients." + policy.clientId()
                + " policy: the two would multiply each other's attempts; keep one");
        }
        InterceptedMethod method = InterceptedMethod.of(context, conversionService);
        try {
            return switch (method.resultType()) {
                case SYNCHRONOUS -> callBlocking(context, method, policy);
                case COMPLETION_STAGE -> method.handleResult(
                    new AsyncCall(policy.start(), context, () -> method.interceptResultAsCompletionStage(this)).start());
                case PUBLISHER -> isSingleResult(context, method)
                    ? method.handleResult(singleResultPublisher(context, method, policy))
                    : context.proceed();
            };
        } catch (Exception e) {
            return method.handleException(e);
        }
    }

    @Nullable
    private Object callBlocking(MethodInvocationContext<Object, Object> context, InterceptedMethod method, ClientCallPolicy policy) {
        CallRun run = policy.start();
        try {
            while (true) {
                Attempt attempt = run.begin();
                context.setAttribute(Attempt.ATTRIBUTE, attempt);
                Object result;
                try {
                    result = method.interceptResult(this);
                } catch (RuntimeException e) {
                    CallRun.Next next = run.failed(attempt, e);
                    if (!next.retries()) {
                        throw (RuntimeException) next.error();
                    }
                    try {
                        run.awaitRetry(next.delayMillis());
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        run.abort(AbortClass.CALLER_CANCELLED);
                    }
                    // an abort during the wait makes begin() end the call
                    continue;
                }
                run.succeeded(attempt);
                return result;
            }
        } finally {
            context.removeAttribute(Attempt.ATTRIBUTE, Attempt.class);
        }
    }

    private Publisher<Object> singleResultPublisher(MethodInvocationContext<Object, Object> context,
                                                    InterceptedMethod method,
                                                    ClientCallPolicy policy) {
        // the call starts when subscribed, like the client's own publisher; each subscription is a new call, in the
        // context of the method's invocation (the subscriber may run elsewhere, e.g. in the HTTP server)
        PropagatedContext invokedIn = PropagatedContext.getOrEmpty();
        return subscriber -> subscriber.onSubscribe(new Subscription() {
            private final AtomicBoolean started = new AtomicBoolean();
            private volatile boolean cancelled;
            @Nullable
            private volatile AsyncCall call;

            @Override
            public void request(long n) {
                if (cancelled || !started.compareAndSet(false, true)) {
                    return;
                }
                AsyncCall newCall = new AsyncCall(policy.start(invokedIn), context,
                    () -> firstOf(method.interceptResultAsPublisher(ClientPolicyInterceptor.this)));
                call = newCall;
                newCall.start().whenComplete((value, error) -> {
                    if (cancelled) {
                        return;
                    }
                    if (error != null) {
                        subscriber.onError(unwrap(error));
                    } else {
                        if (value != null) {
                            subscriber.onNext(value);
                        }
                        subscriber.onComplete();
                    }
                });
                if (cancelled) {
                    newCall.cancel();
                }
            }

            @Override
            public void cancel() {
                cancelled = true;
                AsyncCall running = call;
                if (running != null) {
                    running.cancel();
                }
            }
        });
    }

    private static boolean isSingleResult(MethodInvocationContext<Object, Object> context, InterceptedMethod method) {
        ReturnType<Object> returnType = context.getReturnType();
        Class<?> valueType = method.returnTypeValue().getType();
        return returnType.isSingleResult()
            || returnType.isCompletable()
            || HttpResponse.class.isAssignableFrom(valueType)
            || HttpStatus.class == valueType;
    }

    /** The first element of a single-result publisher as a future ({@code null} when it completes empty). */
    private static CompletionStage<Object> firstOf(Publisher<?> publisher) {
        CompletableFuture<Object> future = new CompletableFuture<>();
        publisher.subscribe(new Subscriber<Object>() {
            private Subscription subscription;

            @Override
            public void onSubscribe(Subscription s) {
                subscription = s;
                s.request(Long.MAX_VALUE);
            }

            @Override
            public void onNext(Object o) {
                if (future.complete(o)) {
                    subscription.cancel();
                }
            }

            @Override
            public void onError(Throwable t) {
                future.completeExceptionally(t);
            }

            @Override
            public void onComplete() {
                future.complete(null);
            }
        });
        return future;
    }

    static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }

    /** A call whose tries complete asynchronously; retries are scheduled, never slept. */
    private final class AsyncCall {

        private final CallRun run;
        private final MethodInvocationContext<Object, Object> context;
        private final Supplier<CompletionStage<?>> tryOnce;
        private final CompletableFuture<Object> result = new CompletableFuture<>();

        AsyncCall(CallRun run, MethodInvocationContext<Object, Object> context, Supplier<CompletionStage<?>> tryOnce) {
            this.run = run;
            this.context = context;
            this.tryOnce = tryOnce;
        }

        CompletableFuture<Object> start() {
            result.whenComplete((value, error) -> {
                if (result.isCancelled()) {
                    // the caller cancelled its future: the try in flight and any waiting retry end here
                    run.abort(AbortClass.CALLER_CANCELLED);
                }
            });
            next();
            return result;
        }

        void cancel() {
            result.cancel(false);
        }

        private void next() {
            Attempt attempt;
            try {
                attempt = run.begin();
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
                return;
            }
            CompletionStage<?> stage;
            // retries run on the scheduler: give them the caller's context (tracing, MDC, deadline)
            try (PropagatedContext.Scope ignored = run.context().propagate()) {
                context.setAttribute(Attempt.ATTRIBUTE, attempt);
                stage = tryOnce.get();
            } catch (RuntimeException e) {
                onFailure(attempt, e);
                return;
            }
            stage.whenComplete((value, error) -> {
                if (error == null) {
                    run.succeeded(attempt);
                    result.complete(value);
                } else {
                    onFailure(attempt, unwrap(error));
                }
            });
        }

        private void onFailure(Attempt attempt, Throwable error) {
            CallRun.Next next = run.failed(attempt, error);
            if (next.retries()) {
                run.scheduleRetry(next.delayMillis(), this::next);
            } else {
                result.completeExceptionally(next.error());
            }
        }
    }
}
