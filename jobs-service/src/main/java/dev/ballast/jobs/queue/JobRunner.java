package dev.ballast.jobs.queue;

import dev.ballast.jobs.queue.JobTypes.TypeSettings;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs claimed jobs, each on its own virtual thread under its type's time budget, and hands each outcome to the
 * {@link OutcomeWriter}. Whoever settles an attempt first wins: the handler returning, or the budget running out
 * (the handler thread is then interrupted and the attempt recorded {@code timeout}; whatever the handler does
 * afterwards is ignored). Holds every claim until its outcome is written and extends their leases with one
 * heartbeat statement per interval; a claim the heartbeat finds gone (rescued elsewhere, cancelled) is given up and
 * its handler interrupted.
 */
@Singleton
public final class JobRunner {

    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    /** Told once per claimed job when its attempt is settled. {@code outcome} is null when it was given up. */
    @FunctionalInterface
    public interface Listener {
        void settled(ClaimedJob job, @Nullable AttemptOutcome outcome, CompletableFuture<Boolean> written);
    }

    private final JobStore store;
    private final JobHandlers handlers;
    private final JobTypes types;
    private final OutcomeWriter writer;
    private final JobMetrics metrics;
    private final JsonMapper json;
    private final WorkerSettings settings;
    private final Map<Long, Running> held = new ConcurrentHashMap<>();
    private final LeaseHeartbeat heartbeats;
    private final TimeoutSweeper<Running> budgets;
    // Moving average (weight 1/8) of how long handlers run, 0 until one has: how much a pool may prefetch. Updated
    // without a lock: a lost update among racing finishers only makes the estimate a little older.
    private volatile long meanRunNanos;

    JobRunner(JobStore store, JobHandlers handlers, JobTypes types, OutcomeWriter writer, JobMetrics metrics,
              JsonMapper json, WorkerSettings settings) {
        this.store = store;
        this.handlers = handlers;
        this.types = types;
        this.writer = writer;
        this.metrics = metrics;
        this.json = json;
        this.settings = settings;
        this.budgets = new TimeoutSweeper<>(held::values, r -> r.settled.get() ? 0 : r.deadlineNanos, this::timedOut);
        this.heartbeats = new LeaseHeartbeat(settings.heartbeat(), this::heartbeat, held::size);
    }

    /** Starts the budget sweeper and the heartbeat, as db-scheduler's {@code Scheduler.start()}. */
    @PostConstruct
    void start() {
        budgets.start();
        heartbeats.start();
    }

    /** How long handlers have been running lately (a moving average), or 0 when none has finished yet. */
    long meanRunNanos() {
        return meanRunNanos;
    }

    /** Starts one claimed job; {@code listener} hears of it exactly once. */
    public void start(ClaimedJob job, Listener listener) {
        start(job, null, listener);
    }

    /**
     * Starts one claimed job once it gets one of {@code handlerSlots} (held until its attempt is settled); until
     * then it waits in this process, its lease heartbeated like a running job's, its time budget not yet started.
     */
    public void start(ClaimedJob job, @Nullable Semaphore handlerSlots, Listener listener) {
        TypeSettings type = types.settings(job.type());
        metrics.claimed(job.type());
        Running r = new Running(job, type, listener, handlerSlots);
        held.put(job.id(), r);
        r.thread = Thread.ofVirtual().name("job-" + job.id()).unstarted(() -> execute(r));
        r.thread.start();
    }

    /** Claims held by this process: running, or finished with the outcome not written yet. */
    public int held() {
        return held.size();
    }

    /** Given up at shutdown: not settled, not written; the leases bring these jobs back. */
    void abandonAll() {
        for (Running r : held.values()) {
            if (r.settled.compareAndSet(false, true)) {
                r.thread.interrupt();
                r.releaseSlot();
                r.listener.settled(r.job, null, CompletableFuture.completedFuture(false));
            }
        }
    }

    int runningHandlers() {
        int n = 0;
        for (Running r : held.values()) {
            if (!r.settled.get()) {
                n++;
            }
        }
        return n;
    }

    private void execute(Running r) {
        if (r.handlerSlots != null) {
            try {
                r.handlerSlots.acquire();
            } catch (InterruptedException e) {
                // Given up while it waited (shutdown, claim lost): whoever gave it up has settled it.
                return;
            }
            r.slotHeld.set(true);
            if (r.settled.get()) {
                r.releaseSlot();
                return;
            }
        }
        long started = System.nanoTime();
        r.started = started;
        r.deadline = Instant.now().plus(r.type.timeout());
        // 0 means "not started" to the sweeper.
        long due = started + r.type.timeout().toNanos() | 1;
        r.deadlineNanos = due;
        budgets.watch(due);
        ClaimedJob job = r.job;
        AttemptOutcome outcome;
        try {
            JobHandler handler = handlers.forType(job.type());
            if (handler == null) {
                outcome = noHandler(job);
            } else {
                JobContext context = JobContext.claimed(job, job.maxAttempts() + job.snoozes(), r.deadline);
                JobOutcome result = handler.handle(context);
                outcome = switch (result) {
                    case JobOutcome.Succeeded s -> AttemptOutcome.succeeded(job, s.result() == null ? null
                            : json.writeValueAsString(s.result()));
                    case JobOutcome.Snoozed s -> AttemptOutcome.snoozed(job, s.delay().isNegative() ? Duration.ZERO : s.delay());
                    case null -> failure(r, AttemptEnd.RETRY, "NullOutcome", "handler returned no outcome");
                };
            }
        } catch (PermanentJobFailure e) {
            outcome = AttemptOutcome.failed(job, AttemptEnd.DEAD, null, e.getClass().getSimpleName(), e.getMessage());
        } catch (IOException e) {
            outcome = AttemptOutcome.failed(job, AttemptEnd.DEAD, null, e.getClass().getSimpleName(), "payload or result is not JSON");
        } catch (Exception | LinkageError | AssertionError | StackOverflowError e) {
            outcome = failure(r, AttemptEnd.RETRY, e.getClass().getSimpleName(), e.getMessage());
        }
        settle(r, outcome);
    }

    private void timedOut(Running r) {
        try {
            AttemptOutcome outcome = failure(r, AttemptEnd.TIMEOUT, "TIMEOUT", "handler ran past its budget of " + r.type.timeout());
            if (settle(r, outcome)) {
                r.thread.interrupt();
            }
        } catch (RuntimeException e) {
            // One failed settle must not stop the budgets of every other running job.
            LOG.error("job {} timeout could not be settled: {}", r.job.id(), e.toString());
        }
    }

    /**
     * Snoozed (no attempt spent) while it has waited less than the no-handler wait: during a rolling deploy another
     * replica, or this one's next version, may know the type. Dead after that, saying why.
     */
    private AttemptOutcome noHandler(ClaimedJob job) {
        JobTypes.NoHandler policy = types.noHandler();
        long waited = policy.recheck().toMillis() * job.snoozes();
        if (waited < policy.patience().toMillis()) {
            return AttemptOutcome.snoozed(job, policy.recheck());
        }
        return AttemptOutcome.failed(job, AttemptEnd.DEAD, null, "NoHandler",
                "no handler for job type " + job.type() + " after waiting " + policy.patience());
    }

    /** A retryable failure: available again after backoff, or dead when it was the last attempt. */
    private AttemptOutcome failure(Running r, AttemptEnd end, String errorClass, @Nullable String message) {
        int spent = r.job.attemptsSpent();
        Duration retry = spent >= r.job.maxAttempts() ? null
                : Duration.ofMillis(r.type.backoff().delayMillis(Math.max(1, spent)));
        return AttemptOutcome.failed(r.job, end, retry, errorClass, message);
    }

    private boolean settle(Running r, AttemptOutcome outcome) {
        if (!r.settled.compareAndSet(false, true)) {
            return false;
        }
        r.releaseSlot();
        long ran = System.nanoTime() - r.started;
        if (r.deadlineNanos != 0) {
            long mean = meanRunNanos;
            meanRunNanos = mean == 0 ? Math.max(1, ran) : Math.max(1, mean + (ran - mean) / 8);
        }
        metrics.finished(r.job.type(), outcome.outcome(), outcome.status(), ran);
        if (outcome.status() == JobState.DEAD) {
            LOG.warn("job {} type={} dead after attempt {}: {}", r.job.id(), r.job.type(), r.job.attempt(), outcome.error());
        } else if (outcome.errorClass() != null) {
            LOG.debug("job {} type={} attempt {} failed ({}), retry in {} ms", r.job.id(), r.job.type(),
                    r.job.attempt(), outcome.errorClass(), outcome.delay().toMillis());
        }
        CompletableFuture<Boolean> written = writer.submit(outcome);
        written.whenComplete((ok, e) -> held.remove(r.job.id(), r));
        r.listener.settled(r.job, outcome, written);
        return true;
    }

    /** Extends the lease of every claim held, in one statement. */
    void heartbeat() {
        List<Running> sent = new ArrayList<>(held.values());
        if (sent.isEmpty()) {
            return;
        }
        Long[] ids = new Long[sent.size()];
        Integer[] attempts = new Integer[sent.size()];
        for (int i = 0; i < sent.size(); i++) {
            ids[i] = sent.get(i).job.id();
            attempts[i] = sent.get(i).job.attempt();
        }
        Set<Long> kept = store.heartbeat(ids, attempts, settings.lease());
        for (Running r : sent) {
            if (!kept.contains(r.job.id()) && r.settled.compareAndSet(false, true)) {
                // Rescued by another worker or cancelled: this attempt can record nothing any more.
                metrics.leaseLost();
                LOG.info("job {} attempt {} lost its claim (cancelled or lease expired), handler interrupted",
                        r.job.id(), r.job.attempt());
                r.thread.interrupt();
                r.releaseSlot();
                // Fenced off like any late outcome; sent only so that a cancelled job's attempt is closed as such.
                writer.submit(AttemptOutcome.failed(r.job, AttemptEnd.RETRY, Duration.ZERO, "LEASE_LOST", "claim lost"))
                        .whenComplete((ok, e) -> held.remove(r.job.id(), r));
                r.listener.settled(r.job, null, CompletableFuture.completedFuture(false));
            }
        }
    }

    @PreDestroy
    void stop() {
        heartbeats.stop();
        budgets.stop();
    }

    private static final class Running {
        final ClaimedJob job;
        final TypeSettings type;
        final Listener listener;
        final @Nullable Semaphore handlerSlots;
        final AtomicBoolean settled = new AtomicBoolean();
        final AtomicBoolean slotHeld = new AtomicBoolean();
        volatile long started = System.nanoTime();
        volatile Instant deadline;
        volatile Thread thread;
        // System.nanoTime() when the budget runs out; 0 until the handler starts.
        volatile long deadlineNanos;

        Running(ClaimedJob job, TypeSettings type, Listener listener, @Nullable Semaphore handlerSlots) {
            this.job = job;
            this.type = type;
            this.listener = listener;
            this.handlerSlots = handlerSlots;
        }

        void releaseSlot() {
            if (slotHeld.compareAndSet(true, false)) {
                handlerSlots.release();
            }
        }
    }
}
