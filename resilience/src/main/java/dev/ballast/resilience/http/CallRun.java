package dev.ballast.resilience.http;

import dev.ballast.resilience.Causes;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One call under a {@link ClientCallPolicy}: hands out tries, and after a failed try decides, in this order,
 * whether the matrix allows a retry, whether attempts remain, whether the deadline leaves room for the delay and
 * whether the retry budget has a retry to spare.
 */
final class CallRun {

    private static final Logger LOG = LoggerFactory.getLogger(ClientCallPolicy.class);

    /** A retry left with less than this before the deadline could not get an answer; it is not sent. */
    private static final long MIN_TRY_MILLIS = 10;

    /** After a failed try: wait {@code delayMillis} and try again, or surface {@code error}. */
    record Next(long delayMillis, @Nullable Throwable error) {
        boolean retries() {
            return error == null;
        }
    }

    private final ClientCallPolicy policy;
    private final Deadline deadline;
    @Nullable
    private final CircuitBreaker breaker;
    private final PropagatedContext context;
    @Nullable
    private final InboundRequest inbound;

    private final AtomicReference<AbortClass> abortedBy = new AtomicReference<>();
    private final CountDownLatch abortSignal = new CountDownLatch(1);
    private final AtomicBoolean finished = new AtomicBoolean();
    private volatile int attempts;
    @Nullable
    private volatile Attempt current;
    @Nullable
    private volatile ScheduledFuture<?> pendingRetry;
    @Nullable
    private volatile Runnable retryTask;

    CallRun(ClientCallPolicy policy, Deadline deadline, @Nullable CircuitBreaker breaker, PropagatedContext context,
            @Nullable InboundRequest inbound) {
        this.policy = policy;
        this.deadline = deadline;
        this.breaker = breaker;
        this.context = context;
        this.inbound = inbound;
    }

    ClientCallPolicy policy() {
        return policy;
    }

    /** The propagated context of the caller, to restore around tries that run on another thread. */
    PropagatedContext context() {
        return context;
    }

    /**
     * The next try. Throws instead when the call must end before it: the caller left, we are stopping, the
     * deadline has passed or the breaker is open.
     */
    Attempt begin() {
        AbortClass aborted = abortedBy.get();
        if (aborted == null && policy.owner().stopping()) {
            aborted = AbortClass.SHUTDOWN;
        }
        if (aborted != null) {
            CallOutcome outcome = CallOutcome.aborted(aborted);
            throw giveUp(reasonFor(aborted), outcome, null,
                new CallAbortedException(aborted, describe(outcome, null) + " before try " + (attempts + 1) + " of " + clientId()));
        }
        long remaining = deadline.remainingMillis();
        if (remaining <= 0) {
            CallOutcome outcome = CallOutcome.aborted(AbortClass.TIMEOUT);
            throw giveUp(GiveUpReason.DEADLINE, outcome, null,
                new CallAbortedException(AbortClass.TIMEOUT, "deadline passed before try " + (attempts + 1) + " of " + clientId()));
        }
        if (breaker != null && !breaker.tryAcquirePermission()) {
            throw giveUp(GiveUpReason.BREAKER_OPEN, null, null, CallNotPermittedException.createCallNotPermittedException(breaker));
        }
        int number = ++attempts;
        Attempt attempt = new Attempt(this, number, Math.min(policy.timeoutMillis(), remaining));
        current = attempt;
        if (abortedBy.get() != null) {
            // aborted while we were getting ready: the filter will refuse to send it
            attempt.abort(abortedBy.get());
        }
        return attempt;
    }

    /** The try returned normally. */
    void succeeded(Attempt attempt) {
        CallOutcome outcome = attempt.outcome;
        if (outcome == null) {
            // the filter did not see this try (nothing was sent); count it as a success of the call
            outcome = CallOutcome.status(200);
        }
        settleBreaker(attempt, outcome, null);
        ClientCallMetrics metrics = policy.owner().metrics();
        metrics.attempt(clientId(), outcome);
        if (finished.compareAndSet(false, true)) {
            metrics.call(clientId(), outcome.tag(), outcome.abortTag());
            release();
        }
    }

    /** The try failed with {@code error}: retry after a delay, or give up with the error to surface. */
    Next failed(Attempt attempt, Throwable error) {
        CallOutcome outcome = outcomeOf(attempt, error);
        settleBreaker(attempt, outcome, error);
        policy.owner().metrics().attempt(clientId(), outcome);

        RetryDecision decision = RetryMatrix.decide(attempt.kind, outcome);
        switch (decision) {
            case NEVER -> {
                AbortClass c = ((CallOutcome.Aborted) outcome).abortClass();
                Throwable surface = error instanceof CallAbortedException ? error
                    : new CallAbortedException(c, c.tag() + " during try " + attempt.number + " of " + clientId(), error);
                if (c == AbortClass.CALLER_CANCELLED && interruptedBy(error)) {
                    // Reactor's block() swallowed the interrupt; the caller's thread must keep it
                    Thread.currentThread().interrupt();
                }
                return new Next(-1, giveUp(reasonFor(c), outcome, attempt, surface));
            }
            case DONE, GIVE_UP -> {
                return new Next(-1, giveUp(GiveUpReason.NOT_RETRYABLE, outcome, attempt, error));
            }
            default -> {
                // RETRY or RETRY_AFTER
            }
        }
        if (attempt.number >= policy.settings().attempts()) {
            return new Next(-1, giveUp(GiveUpReason.ATTEMPTS_EXHAUSTED, outcome, attempt, error));
        }
        long delay = decision == RetryDecision.RETRY_AFTER && attempt.retryAfterMillis >= 0
            ? attempt.retryAfterMillis
            : policy.backoff().delayMillis(attempt.number);
        if (deadline.remainingMillis() - delay < MIN_TRY_MILLIS) {
            return new Next(-1, giveUp(GiveUpReason.DEADLINE, outcome, attempt, error));
        }
        if (!policy.budget().tryAcquireRetry()) {
            policy.owner().metrics().budgetExhausted(clientId());
            return new Next(-1, giveUp(GiveUpReason.BUDGET_EXHAUSTED, outcome, attempt, error));
        }
        policy.owner().metrics().retry(clientId(), outcome);
        LOG.info("{} {}: try {}/{} {}, retrying in {} ms",
            clientId(), attempt.target, attempt.number, policy.settings().attempts(), describe(outcome, error), delay);
        return new Next(delay, null);
    }

    /** Ends the call on behalf of the caller or the shutdown: cuts the try in flight or wakes the wait. */
    void abort(AbortClass abortClass) {
        if (!abortedBy.compareAndSet(null, abortClass)) {
            return;
        }
        Attempt attempt = current;
        if (attempt != null) {
            attempt.abort(abortClass);
        }
        abortSignal.countDown();
        ScheduledFuture<?> pending = pendingRetry;
        Runnable task = retryTask;
        if (pending != null && task != null && pending.cancel(false)) {
            // the waiting retry will not run: run it now so it ends the call the ordinary way
            task.run();
        }
    }

    /** Blocks for the retry delay, or less if the call is aborted meanwhile. */
    void awaitRetry(long delayMillis) throws InterruptedException {
        abortSignal.await(delayMillis, TimeUnit.MILLISECONDS);
    }

    /** Runs {@code task} after the retry delay on the policy's scheduler. */
    void scheduleRetry(long delayMillis, Runnable task) {
        retryTask = task;
        pendingRetry = policy.owner().scheduler().schedule(task, delayMillis, TimeUnit.MILLISECONDS);
        if (abortedBy.get() != null && pendingRetry.cancel(false)) {
            task.run();
        }
    }

    private CallOutcome outcomeOf(Attempt attempt, Throwable error) {
        AbortClass forced = abortedBy.get();
        if (forced == null && policy.owner().stopping()) {
            // a connection closed by our own shutdown looks like a reset to the transport
            forced = AbortClass.SHUTDOWN;
        }
        if (forced != null) {
            return CallOutcome.aborted(forced);
        }
        CallOutcome recorded = attempt.outcome;
        if (recorded != null) {
            return recorded;
        }
        if (error instanceof HttpClientResponseException e) {
            long retryAfter = policy.retryAfterMillis(e.getResponse().getHeaders().get(HttpHeaders.RETRY_AFTER));
            attempt.record(CallOutcome.status(e.code(), retryAfter >= 0), retryAfter);
            return attempt.outcome;
        }
        AbortClass c = AbortClassifier.classify(error);
        return c == null ? CallOutcome.unclassified() : CallOutcome.aborted(c);
    }

    /**
     * Every permission the breaker granted is settled once: 429, 5xx and the retryable aborts count against the
     * provider; other statuses show it is up; a caller that left or our own shutdown says nothing about it.
     */
    private void settleBreaker(Attempt attempt, CallOutcome outcome, @Nullable Throwable error) {
        if (breaker == null || !attempt.settleBreakerOnce()) {
            return;
        }
        long nanos = System.nanoTime() - attempt.sentAtNanos;
        switch (outcome) {
            case CallOutcome.Status s when s.code() == 429 || s.code() >= 500 ->
                breaker.onError(nanos, TimeUnit.NANOSECONDS, error != null ? error : new IllegalStateException("HTTP " + s.code()));
            case CallOutcome.Status ignored -> breaker.onSuccess(nanos, TimeUnit.NANOSECONDS);
            case CallOutcome.Aborted a when a.abortClass().mayBeRetried() ->
                breaker.onError(nanos, TimeUnit.NANOSECONDS, error != null ? error : new CallAbortedException(a.abortClass(), a.abortClass().tag()));
            case CallOutcome.Aborted ignored -> breaker.releasePermission();
            case CallOutcome.Unclassified ignored -> breaker.releasePermission();
        }
    }

    private RuntimeException giveUp(GiveUpReason reason, @Nullable CallOutcome outcome, @Nullable Attempt attempt, Throwable error) {
        if (finished.compareAndSet(false, true)) {
            ClientCallMetrics metrics = policy.owner().metrics();
            String outcomeTag = outcome == null ? "breaker_open" : outcome.tag();
            String abortTag = outcome == null ? "none" : outcome.abortTag();
            metrics.giveUp(clientId(), reason, outcomeTag, abortTag);
            metrics.call(clientId(), outcomeTag, abortTag);
            release();
            logGiveUp(reason, outcome, attempt, error);
        }
        if (error instanceof RuntimeException re) {
            return re;
        }
        if (error instanceof Error e) {
            throw e;
        }
        return new HttpClientException(clientId() + " call failed", error);
    }

    private void logGiveUp(GiveUpReason reason, @Nullable CallOutcome outcome, @Nullable Attempt attempt, Throwable error) {
        Attempt last = attempt != null ? attempt : current;
        String target = last == null ? "-" : last.target;
        boolean routine = reason == GiveUpReason.CALLER_CANCELLED
            || reason == GiveUpReason.NOT_RETRYABLE && outcome instanceof CallOutcome.Status s && s.code() < 500 && s.code() != 429;
        if (routine) {
            LOG.debug("{} {}: gave up after {} tries ({}): {}", clientId(), target, attempts, reason.tag(), describe(outcome, error));
        } else {
            LOG.warn("{} {}: gave up after {} tries ({}): {}", clientId(), target, attempts, reason.tag(), describe(outcome, error));
        }
    }

    private void release() {
        policy.owner().untrack(this);
        if (inbound != null) {
            inbound.unregister(this);
        }
    }

    private static String describe(@Nullable CallOutcome outcome, @Nullable Throwable error) {
        return switch (outcome) {
            case null -> "circuit breaker open";
            case CallOutcome.Status s -> "HTTP " + s.code();
            case CallOutcome.Aborted a -> "aborted " + a.abortClass();
            case CallOutcome.Unclassified u -> "failed with " + (error == null ? "?" : error.getClass().getSimpleName());
        };
    }

    private static GiveUpReason reasonFor(AbortClass c) {
        return c == AbortClass.SHUTDOWN ? GiveUpReason.SHUTDOWN : GiveUpReason.CALLER_CANCELLED;
    }

    private static boolean interruptedBy(@Nullable Throwable error) {
        return Causes.any(error, t -> t instanceof InterruptedException);
    }

    private String clientId() {
        return policy.clientId();
    }
}
