package dev.ballast.insights.cron;

import dev.ballast.resilience.db.ConnectionCircuit;
import dev.ballast.resilience.db.DbFailureClassifier;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.DbUnavailableException;
import dev.ballast.resilience.http.Deadline;
import io.micronaut.core.propagation.PropagatedContext;

import java.sql.SQLTransientConnectionException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * One tick's clock, database access and counts. Every database unit runs through the cron's {@link DbRetry} policy,
 * fed by this tick's {@link ConnectionCircuit}, within the smaller of the unit timeout and what is left of the tick.
 * Outbound calls run within the work deadline, a little before the tick's own, so that the units that close a step
 * (saving a cursor, releasing a lease) still fit in the budget.
 */
public final class TickRun {

    private final long startedNanos = System.nanoTime();
    private final Deadline deadline;
    private final Deadline workDeadline;
    private final Duration unitTimeout;
    private final ConnectionCircuit circuit;
    private final DbRetry db;
    private final AtomicInteger retries = new AtomicInteger();
    private final AtomicInteger giveUps = new AtomicInteger();

    TickRun(Duration budget, Duration unitTimeout, DbRetry cronRetry, String name) {
        // A caller's X-Ballast-Deadline-Ms shortens the tick, never lengthens it.
        this.deadline = Deadline.after(budget).min(Deadline.current().orElse(null));
        long reserveMs = Math.min(2000, budget.toMillis() / 5);
        this.workDeadline = Deadline.afterMillis(Math.max(0, deadline.remainingMillis() - reserveMs));
        this.unitTimeout = unitTimeout;
        this.circuit = cronRetry.newCircuit(name);
        this.db = cronRetry.feeding(circuit).onRetry(r -> retries.incrementAndGet());
    }

    /** One database unit of the tick; a give-up counts towards the circuit and is rethrown. */
    public <T> T unit(Function<DbRetry, T> work) {
        Deadline unit = Deadline.after(unitTimeout).min(deadline);
        try (PropagatedContext.Scope ignored = unit.propagate()) {
            return work.apply(db.within(unit));
        } catch (DbUnavailableException e) {
            if (e.attempts() > 0) {
                giveUps.incrementAndGet();
                if (DbFailureClassifier.classify(e) != DbFailureClassifier.Kind.TRANSIENT) {
                    // A unit whose pool wait was cut by its deadline ends in an interrupt, which the circuit would not
                    // count: to this tick it is a database that did not answer, like any other transient failure.
                    circuit.recordFailure(new SQLTransientConnectionException("no connection within the unit deadline",
                            "08001", e));
                }
            }
            throw e;
        }
    }

    /** Runs an outbound call (or a lead's whole work) within the work deadline. */
    public <T> T call(java.util.function.Supplier<T> work) {
        try (PropagatedContext.Scope ignored = workDeadline.propagate()) {
            return work.get();
        }
    }

    /** No new work starts once this is true: the budget is spent or the database circuit is open. */
    public boolean stopping() {
        return workDeadline.isExpired() || circuit.shouldStop();
    }

    public boolean circuitOpen() {
        return circuit.shouldStop();
    }

    public boolean pastBudget() {
        return workDeadline.isExpired();
    }

    /** Takes one of {@code slots}, waiting at most until the work deadline or until the circuit opens. */
    public boolean acquire(Semaphore slots) throws InterruptedException {
        while (!stopping()) {
            long waitMs = Math.min(100, workDeadline.remainingMillis());
            if (waitMs > 0 && slots.tryAcquire(waitMs, TimeUnit.MILLISECONDS)) {
                return true;
            }
        }
        return false;
    }

    public int retries() {
        return retries.get();
    }

    /** Database attempts that failed transiently: each retry follows one, each give-up ends with one. */
    public int connectionErrors() {
        return retries.get() + giveUps.get();
    }

    public long elapsedMillis() {
        return (System.nanoTime() - startedNanos) / 1_000_000;
    }
}
