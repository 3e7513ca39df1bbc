package dev.ballast.resilience.db;

import dev.ballast.resilience.Backoff;
import dev.ballast.resilience.Causes;
import dev.ballast.resilience.db.DbFailureClassifier.Kind;
import dev.ballast.resilience.db.DbUnavailableException.Reason;
import dev.ballast.resilience.http.Deadline;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.transaction.TransactionCallback;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionDefinition.Propagation;
import io.micronaut.transaction.TransactionOperations;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;
import java.util.regex.Pattern;

/**
 * Runs a whole unit of work against the database, retrying it after a transient failure with exponential
 * backoff and full jitter (docs/architecture.md, "Failure rules").
 *
 * <p>What is retried, by {@link DbFailureClassifier} kind:
 * <ul>
 *   <li>TRANSIENT (connection lost or refused, server shutting down, too many connections, pool timeout):
 *       retried for a statement and for a transaction;</li>
 *   <li>RETRY_TRANSACTION (40001, 40P01): retried only for a whole transaction, since PostgreSQL has rolled
 *       it back; a single statement that sees one is part of something larger and is not rerun;</li>
 *   <li>UNIQUE_VIOLATION (the dedupe signal) and PERMANENT: never retried.</li>
 * </ul>
 * A transaction that joins one already open is not a whole unit and is attempted once; the outer unit is the
 * one to retry. A transaction whose COMMIT broke on a lost connection is not rerun (its outcome is unknown).
 *
 * <p>What the caller gets: the value; or, when the database stayed unreachable, {@link DbUnavailableException}
 * (retries exhausted, interrupted, circuit open, commit outcome unknown) with the last failure as cause; or the
 * original exception, unchanged, for everything else (including contention that outlasted the retries).
 *
 * <p>Deadline: a unit runs within the {@link Deadline} it is given ({@link #within}) or finds in the propagated
 * context (the request's or tick's), whichever is earlier. No attempt starts past it, no backoff sleeps beyond it, each
 * attempt's socket and statement timeouts are at most what remains ({@link DeadlineAwareDataSource}), pool
 * acquisition waits no longer than what remains ({@link UnitDeadline}), and a unit cut short by it ends as
 * {@link DbUnavailableException} with reason DEADLINE_EXCEEDED.
 *
 * <p>Logging, once per outage: the first unit to fail transiently while the database was answering logs a WARN line
 * per retry and for its give-up (operation, retry n/max, delay, kind, SQLState and exception class: never SQL text,
 * parameters, URLs or secrets); every other unit failing during the same outage logs at DEBUG only, and the first
 * success after it logs one INFO line with the outage's length. Contention retries (40001/40P01) always log WARN.
 * Every retry calls the {@link RetryListener}s; the lines are written by {@link DbRetryLog} and the Micrometer meters
 * kept by {@link DbRetryMetrics}, both told by this loop through {@link DbRetryEvents}. Operation names are tag
 * values: use a fixed name per call site ({@code "load-context-pack"}), never an id.
 *
 * <p>Instances are immutable and thread-safe; {@link #onRetry} and {@link #feeding} return
 * adjusted copies.
 */
public final class DbRetry {

    private static final Logger LOG = LoggerFactory.getLogger(DbRetry.class);
    private static final Pattern OPERATION_NAME = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    /**
     * How often and how patiently to retry.
     *
     * @param maxRetries retries after the first attempt (0: attempt once)
     * @param base       the ceiling of the first backoff delay
     * @param cap        the ceiling no delay exceeds
     */
    public record Policy(int maxRetries, Duration base, Duration cap) {

        public static final Policy DEFAULT = new Policy(3, Duration.ofMillis(200), Duration.ofSeconds(5));

        public Policy {
            Objects.requireNonNull(base, "base");
            Objects.requireNonNull(cap, "cap");
            if (maxRetries < 0) {
                throw new IllegalArgumentException("maxRetries must be >= 0, got " + maxRetries);
            }
            new Backoff(base, cap); // refuses a negative base or a cap below the base
        }

        public static Policy of(int maxRetries, long baseMillis, long capMillis) {
            return new Policy(maxRetries, Duration.ofMillis(baseMillis), Duration.ofMillis(capMillis));
        }

        public Backoff backoff() {
            return new Backoff(base, cap);
        }
    }

    /** What kind of unit was run; its lower-case name is the {@code unit} tag. */
    public enum Unit {
        STATEMENT,
        TRANSACTION,
        /** A transaction that joined one already open: not a whole unit, never retried on its own. */
        JOINED_TRANSACTION;

        String tag() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A retry about to happen, after {@code delay}.
     *
     * @param retry      1 for the first retry
     * @param maxRetries the policy's limit
     * @param sqlState   of the failure, or null
     */
    public record Retry(String operation, Unit unit, int retry, int maxRetries, Duration delay, Kind kind,
                        @Nullable String sqlState, Throwable failure) {
    }

    /** Told of every retry before its backoff starts, on the retrying thread. Must not block. */
    @FunctionalInterface
    public interface RetryListener {
        void onRetry(Retry retry);
    }

    private final Policy policy;
    private final int circuitThreshold;
    private final DbRetryEvents[] events;
    private final List<RetryListener> listeners;
    private final @Nullable ConnectionCircuit circuit;
    private final @Nullable RandomGenerator random;
    private final @Nullable Deadline deadline;
    private final Outage outage;

    /** A helper with the given policy, whose circuits open after {@value ConnectionCircuit#DEFAULT_THRESHOLD} failures. */
    public DbRetry(Policy policy, MeterRegistry meters) {
        this(policy, ConnectionCircuit.DEFAULT_THRESHOLD, meters);
    }

    /**
     * @param policy           retries and backoff
     * @param circuitThreshold the threshold of circuits made by {@link #newCircuit}
     * @param meters           where the counters and timers go
     */
    public DbRetry(Policy policy, int circuitThreshold, MeterRegistry meters) {
        this(policy, circuitThreshold, new DbRetryEvents[] {
                new DbRetryMetrics(Objects.requireNonNull(meters, "meters")), new DbRetryLog()}, List.of(), null,
                null, null, new Outage());
        if (circuitThreshold < 1) {
            throw new IllegalArgumentException("circuit threshold must be >= 1, got " + circuitThreshold);
        }
    }

    private DbRetry(Policy policy, int circuitThreshold, DbRetryEvents[] events, List<RetryListener> listeners,
                    @Nullable ConnectionCircuit circuit, @Nullable RandomGenerator random,
                    @Nullable Deadline deadline, Outage outage) {
        this.policy = Objects.requireNonNull(policy, "policy");
        this.circuitThreshold = circuitThreshold;
        this.events = events;
        this.listeners = listeners;
        this.circuit = circuit;
        this.random = random;
        this.deadline = deadline;
        this.outage = outage;
    }

    public Policy policy() {
        return policy;
    }

    /** This helper, also telling {@code listener} of every retry. */
    public DbRetry onRetry(RetryListener listener) {
        List<RetryListener> more = new ArrayList<>(listeners);
        more.add(Objects.requireNonNull(listener, "listener"));
        return new DbRetry(policy, circuitThreshold, events, List.copyOf(more), circuit, random,
                deadline, outage);
    }

    /**
     * This helper bound to an invocation's circuit: each unit's final transient failure counts towards it, each
     * success resets it, and once it is open no unit starts and no retry runs (DbUnavailableException, reason
     * CIRCUIT_OPEN).
     */
    public DbRetry feeding(ConnectionCircuit circuit) {
        return new DbRetry(policy, circuitThreshold, events, listeners,
                Objects.requireNonNull(circuit, "circuit"), random, deadline, outage);
    }

    /**
     * This helper bound to {@code deadline} as well as to any deadline in the propagated context (the earlier wins):
     * for work that has a budget of its own outside a request, such as a cron tick's.
     */
    public DbRetry within(Deadline deadline) {
        return new DbRetry(policy, circuitThreshold, events, listeners, circuit, random,
                Objects.requireNonNull(deadline, "deadline").min(this.deadline), outage);
    }

    /**
     * The level at which a background loop logs a failed run: DEBUG when the database was unavailable (this helper
     * logs that once per outage: a line per run would repeat it every interval), WARN for anything else.
     */
    public static org.slf4j.event.Level loopFailureLevel(Throwable failure) {
        return gaveUpAlready(failure) ? org.slf4j.event.Level.DEBUG : org.slf4j.event.Level.WARN;
    }

    /** True while units fail transiently and none has succeeded since the first of them. */
    public boolean databaseUnavailable() {
        return outage.active.get();
    }

    /** A fresh circuit for one invocation, with the configured threshold. */
    public ConnectionCircuit newCircuit(String name) {
        return new ConnectionCircuit(name, circuitThreshold);
    }

    /** Fixes the jitter source; tests use it to make delays predictable. */
    DbRetry withRandom(RandomGenerator random) {
        return new DbRetry(policy, circuitThreshold, events, listeners, circuit, random, deadline, outage);
    }

    /**
     * Runs an idempotent statement (it takes its own connection, outside any transaction), retrying transient
     * failures only. Inside an open transaction a statement is not a whole unit: retry that transaction instead.
     */
    public <T, E extends Exception> T statement(String operation, IdempotentStatement<T, E> work) throws E {
        Objects.requireNonNull(work, "work");
        try {
            return run(checkedName(operation), Unit.STATEMENT, attempt -> work.run());
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // run() lets through only what work threw, and work throws no checked exception but E.
            @SuppressWarnings("unchecked")
            E checked = (E) e;
            throw checked;
        }
    }

    /** Runs {@code work} as one read-write transaction (propagation REQUIRED), retrying it whole. */
    public <C, T> T transaction(String operation, TransactionOperations<C> tx, TransactionCallback<C, T> work) {
        return transaction(operation, tx, TransactionDefinition.DEFAULT, work);
    }

    /**
     * Runs {@code work} as one transaction with the given definition (isolation, read-only, timeout), retrying it
     * whole. Propagation must be REQUIRED or REQUIRES_NEW; under REQUIRED inside an open transaction it joins
     * that transaction and is attempted once.
     */
    public <C, T> T transaction(String operation, TransactionOperations<C> tx, TransactionDefinition definition,
                                TransactionCallback<C, T> work) {
        String name = checkedName(operation);
        Objects.requireNonNull(tx, "tx");
        Objects.requireNonNull(work, "work");
        Propagation propagation = definition.getPropagationBehavior();
        if (propagation != Propagation.REQUIRED && propagation != Propagation.REQUIRES_NEW) {
            throw new IllegalArgumentException("a retried transaction needs propagation REQUIRED or REQUIRES_NEW, got "
                    + propagation);
        }
        try {
            return run(name, Unit.TRANSACTION, attempt -> {
                try {
                    return tx.execute(definition, status -> {
                        // Joined into an open transaction: the outer unit is the whole one.
                        attempt.joined = !status.isNewTransaction();
                        try {
                            T result = work.call(status);
                            attempt.workReturned = true;
                            return result;
                        } catch (Exception e) {
                            attempt.workFailure = e;
                            throw e;
                        }
                    });
                } catch (Exception e) {
                    throw whatWorkThrew(attempt.workFailure, e);
                }
            });
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            // A checked exception the callback threw, which TransactionOperations itself passes on unchecked.
            throw DbRetry.<RuntimeException>sneaky(e);
        }
    }

    private <T> T run(String operation, Unit unit, Work<T> work) throws Exception {
        long started = System.nanoTime();
        Deadline until = Deadline.current().map(d -> d.min(deadline)).orElse(deadline);
        if (circuit != null && circuit.shouldStop()) {
            finish(operation, unit, "circuit_open", started);
            throw circuit.refusal(operation, 0);
        }
        Backoff backoff = policy.backoff();
        Report report = new Report();
        Exception last = null;
        for (int attempt = 1; ; attempt++) {
            if (until != null && until.isExpired()) {
                // No attempt starts past the deadline.
                throw giveUp(operation, unit, attempt - 1, Kind.TRANSIENT, Reason.DEADLINE_EXCEEDED,
                        last == null ? new DeadlineExceeded() : last, started, report);
            }
            Attempt state = new Attempt();
            try {
                T result;
                UnitDeadline bound = until == null ? null : UnitDeadline.bind(until);
                try {
                    result = work.run(state);
                } finally {
                    if (bound != null) {
                        state.acquisitionCut = bound.close();
                    }
                }
                Unit actual = state.joined ? Unit.JOINED_TRANSACTION : unit;
                countAttempt(operation, actual, "success");
                if (circuit != null) {
                    circuit.recordSuccess();
                }
                outage.answered(events);
                finish(operation, actual, "success", started);
                return result;
            } catch (Exception failure) {
                last = failure;
                Kind kind = DbFailureClassifier.classify(failure);
                Unit actual = state.joined ? Unit.JOINED_TRANSACTION : unit;
                countAttempt(operation, actual, tag(kind));
                if (gaveUpAlready(failure)) {
                    // An inner DbRetry spent its retries; retrying here as well would multiply them.
                    finish(operation, actual, "unavailable", started);
                    throw failure;
                }
                if (kind == Kind.TRANSIENT) {
                    report.failed(outage);
                }
                if (until != null && (state.acquisitionCut || until.isExpired()
                        || "57014".equals(DbFailureClassifier.sqlState(failure)))) {
                    // Cut short by the deadline (socket timeout, the statement timeout it clamped, or the acquisition
                    // interrupted): to whoever waits on it, the database did not answer in time.
                    Reason reason = kind == Kind.TRANSIENT && state.workReturned
                            ? Reason.COMMIT_OUTCOME_UNKNOWN : Reason.DEADLINE_EXCEEDED;
                    throw giveUp(operation, actual, attempt, Kind.TRANSIENT, reason, failure, started, report);
                }
                boolean retryable = kind == Kind.TRANSIENT
                        || (kind == Kind.RETRY_TRANSACTION && actual == Unit.TRANSACTION);
                if (!retryable || actual == Unit.JOINED_TRANSACTION) {
                    finish(operation, actual, tag(kind), started);
                    throw failure;
                }
                if (kind == Kind.TRANSIENT && state.workReturned) {
                    throw giveUp(operation, actual, attempt, kind, Reason.COMMIT_OUTCOME_UNKNOWN, failure, started, report);
                }
                if (attempt > policy.maxRetries()) {
                    throw giveUp(operation, actual, attempt, kind, Reason.RETRIES_EXHAUSTED, failure, started, report);
                }
                if (Thread.currentThread().isInterrupted()) {
                    throw giveUp(operation, actual, attempt, kind, Reason.INTERRUPTED, failure, started, report);
                }
                if (circuit != null && circuit.shouldStop()) {
                    throw giveUp(operation, actual, attempt, kind, Reason.CIRCUIT_OPEN, failure, started, report);
                }
                long delayMs = backoff.delayMillis(attempt, random == null ? ThreadLocalRandom.current() : random);
                if (until != null && delayMs >= until.remainingMillis()) {
                    // The next attempt would start past the deadline: give up now rather than after the wait.
                    throw giveUp(operation, actual, attempt, kind, Reason.DEADLINE_EXCEEDED, failure, started, report);
                }
                Retry retry = new Retry(operation, actual, attempt, policy.maxRetries(), Duration.ofMillis(delayMs),
                        kind, DbFailureClassifier.sqlState(failure), failure);
                for (DbRetryEvents e : events) {
                    e.retrying(retry, report.loud);
                }
                notifyListeners(retry);
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw giveUp(operation, actual, attempt, kind, Reason.INTERRUPTED, failure, started, report);
                }
                if (circuit != null && circuit.shouldStop()) {
                    // Another unit of this invocation opened the circuit while this one waited.
                    throw giveUp(operation, actual, attempt, kind, Reason.CIRCUIT_OPEN, failure, started, report);
                }
            }
        }
    }

    private Exception giveUp(String operation, Unit unit, int attempts, Kind kind, Reason reason, Exception failure,
                             long started, Report report) {
        String sqlState = DbFailureClassifier.sqlState(failure);
        DbRetryEvents.GiveUp event = new DbRetryEvents.GiveUp(operation, unit, attempts, kind, sqlState, reason, failure,
                report.loud);
        for (DbRetryEvents e : events) {
            e.gaveUp(event);
        }
        if (kind != Kind.TRANSIENT) {
            // Contention that outlasted the retries: the database answered, so the caller gets its answer.
            finish(operation, unit, tag(kind), started);
            return failure;
        }
        if (reason == Reason.DEADLINE_EXCEEDED) {
            report.failed(outage);
        }
        if (circuit != null) {
            circuit.recordFailure(failure);
        }
        finish(operation, unit, reason == Reason.CIRCUIT_OPEN ? "circuit_open" : "unavailable", started);
        return new DbUnavailableException(operation, attempts, reason, sqlState, failure);
    }

    private void notifyListeners(Retry retry) {
        for (RetryListener listener : listeners) {
            try {
                listener.onRetry(retry);
            } catch (RuntimeException e) {
                // A hook observes retries; it does not get to change their outcome.
                LOG.warn("db retry listener failed operation={} error={}", retry.operation(), e.getClass().getName());
            }
        }
    }

    private void countAttempt(String operation, Unit unit, String outcome) {
        for (DbRetryEvents e : events) {
            e.attempted(operation, unit, outcome);
        }
    }

    private void finish(String operation, Unit unit, String outcome, long started) {
        long nanos = System.nanoTime() - started;
        for (DbRetryEvents e : events) {
            e.finished(operation, unit, outcome, nanos);
        }
    }

    static String tag(Kind kind) {
        return kind.name().toLowerCase(Locale.ROOT);
    }

    private static String checkedName(String operation) {
        if (operation == null || !OPERATION_NAME.matcher(operation).matches()) {
            throw new IllegalArgumentException("operation must be a short fixed name ([A-Za-z0-9_.:-]{1,64}), got '"
                    + operation + "'");
        }
        return operation;
    }

    /**
     * The callback's own failure rather than a later one from rollback or connection clean-up: on a broken
     * connection those replace it with a "connection is closed" that hides the SQLState that really happened.
     */
    private static Exception whatWorkThrew(@Nullable Exception workFailure, Exception thrown) {
        if (workFailure == null || causedBy(thrown, workFailure)) {
            return thrown;
        }
        workFailure.addSuppressed(thrown);
        return workFailure;
    }

    private static boolean causedBy(Throwable failure, Throwable cause) {
        return Causes.any(failure, t -> t == cause);
    }

    private static boolean gaveUpAlready(Throwable failure) {
        return Causes.any(failure, t -> t instanceof DbUnavailableException);
    }

    @SuppressWarnings("unchecked")
    private static <X extends Throwable> X sneaky(Throwable failure) throws X {
        throw (X) failure;
    }

    /** One attempt of a unit of work. */
    @FunctionalInterface
    private interface Work<T> {
        T run(Attempt attempt) throws Exception;
    }

    /** What one attempt learned about itself, on the calling thread. */
    private static final class Attempt {
        boolean acquisitionCut;
        boolean joined;
        boolean workReturned;
        @Nullable Exception workFailure;
    }

    /**
     * Whether the database is failing, shared by every copy of one helper, so that an outage is logged once: by the
     * unit that found it ({@link Report#loud}) and by the first success after it.
     */
    private static final class Outage {
        final AtomicBoolean active = new AtomicBoolean();
        final AtomicInteger failedUnits = new AtomicInteger();
        volatile long since;

        /** True for the one unit that starts an outage. */
        boolean start() {
            if (active.get() || !active.compareAndSet(false, true)) {
                return false;
            }
            since = System.nanoTime();
            failedUnits.set(0);
            return true;
        }

        void answered(DbRetryEvents[] events) {
            if (active.get() && active.compareAndSet(true, false)) {
                long millis = (System.nanoTime() - since) / 1_000_000;
                for (DbRetryEvents e : events) {
                    e.recovered(millis, failedUnits.get());
                }
            }
        }
    }

    /** One unit's part in the outage log: loud when it is the unit that found the outage. */
    private static final class Report {
        boolean loud;
        boolean counted;

        void failed(Outage outage) {
            if (!loud && !counted) {
                loud = outage.start();
            }
            if (!counted) {
                counted = true;
                outage.failedUnits.incrementAndGet();
            }
        }
    }

    /** Stands for the failure of a unit whose deadline had passed before its first attempt. */
    private static final class DeadlineExceeded extends java.sql.SQLTransientConnectionException {
        DeadlineExceeded() {
            super("deadline passed before the attempt", "08000");
        }
    }
}
