package dev.ballast.resilience.http;

import io.micronaut.core.annotation.Nullable;

import java.util.concurrent.atomic.AtomicReference;

/**
 * One try of a call, shared between {@link ClientCallPolicy} (which starts it and decides what follows) and
 * {@link AttemptFilter} (which sends it, times it and records how it ended).
 */
final class Attempt {

    /** Invocation-context attribute under which the current attempt travels to the filter. */
    static final String ATTRIBUTE = Attempt.class.getName();

    interface Abortable {
        void abort(AbortClass abortClass);
    }

    final CallRun run;
    final int number;
    final long timeoutMillis;

    // written by the filter before the request is sent
    volatile RequestKind kind = RequestKind.UNSAFE;
    volatile String target = "?";
    volatile long sentAtNanos;

    // written by the filter when the try ends
    @Nullable
    volatile CallOutcome outcome;
    volatile long retryAfterMillis = RetryAfter.ABSENT;

    /** Null until the filter binds, then the in-flight exchange, or the abort class if aborted first. */
    private final AtomicReference<Object> handle = new AtomicReference<>();
    private boolean breakerSettled;

    Attempt(CallRun run, int number, long timeoutMillis) {
        this.run = run;
        this.number = number;
        this.timeoutMillis = timeoutMillis;
        this.sentAtNanos = System.nanoTime();
    }

    /** Binds the in-flight exchange; returns the abort class instead if the attempt was aborted before it began. */
    @Nullable
    AbortClass bind(Abortable exchange) {
        if (handle.compareAndSet(null, exchange)) {
            return null;
        }
        return handle.get() instanceof AbortClass c ? c : null;
    }

    void abort(AbortClass abortClass) {
        if (handle.compareAndSet(null, abortClass)) {
            return;
        }
        if (handle.get() instanceof Abortable exchange) {
            exchange.abort(abortClass);
        }
    }

    /** Records the outcome once; the first writer (response, failure or our own abort) wins. */
    void record(CallOutcome result, long retryAfter) {
        synchronized (this) {
            if (outcome == null) {
                retryAfterMillis = retryAfter;
                outcome = result;
            }
        }
    }

    /** True exactly once: the breaker permission of this attempt is settled by whoever asks first. */
    synchronized boolean settleBreakerOnce() {
        if (breakerSettled) {
            return false;
        }
        breakerSettled = true;
        return true;
    }
}
