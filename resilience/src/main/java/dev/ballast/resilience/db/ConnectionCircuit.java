package dev.ballast.resilience.db;

import io.micronaut.core.annotation.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A circuit for one invocation (one cron tick, one batch): after {@code threshold} consecutive units of work
 * that failed transiently (retries already spent), it opens and tells every caller of the invocation to stop,
 * so that a tick against an unreachable database ends early instead of working through its whole list.
 *
 * <p>A success before the threshold resets the count. Once open it stays open: the invocation is over, and the
 * next one starts with a new circuit. Non-transient failures (a unique violation, a bug) neither count nor
 * reset. Safe to share between the threads a tick fans out to.
 */
public final class ConnectionCircuit {

    public static final int DEFAULT_THRESHOLD = 3;

    private static final Logger LOG = LoggerFactory.getLogger(ConnectionCircuit.class);

    private final String name;
    private final int threshold;
    // Consecutive transient failures; reaching the threshold latches it there (open).
    private final AtomicInteger consecutive = new AtomicInteger();
    private volatile @Nullable Throwable lastFailure;

    public ConnectionCircuit(String name, int threshold) {
        this.name = Objects.requireNonNull(name, "name");
        if (threshold < 1) {
            throw new IllegalArgumentException("circuit threshold must be >= 1, got " + threshold);
        }
        this.threshold = threshold;
    }

    public static ConnectionCircuit withDefaultThreshold(String name) {
        return new ConnectionCircuit(name, DEFAULT_THRESHOLD);
    }

    /** A unit of work reached the database: the consecutive count starts again (unless already open). */
    public void recordSuccess() {
        consecutive.updateAndGet(n -> n >= threshold ? n : 0);
    }

    /**
     * A unit of work failed for good. Counts only when the failure is transient.
     *
     * @return true for the one call that opened the circuit
     */
    public boolean recordFailure(Throwable failure) {
        if (DbFailureClassifier.classify(failure) != DbFailureClassifier.Kind.TRANSIENT) {
            return false;
        }
        lastFailure = failure;
        int before = consecutive.getAndUpdate(n -> n >= threshold ? n : n + 1);
        boolean opened = before == threshold - 1;
        if (opened) {
            LOG.warn("db circuit open circuit={} consecutive_transient_failures={} sqlstate={}: callers stop early",
                    name, threshold, DbFailureClassifier.sqlState(failure));
        }
        return opened;
    }

    /** True once the circuit is open: callers should stop taking on work for this invocation. */
    public boolean shouldStop() {
        return consecutive.get() >= threshold;
    }

    /** Throws {@link DbUnavailableException} with reason CIRCUIT_OPEN when the circuit is open. */
    public void ensureClosed(String operation) {
        if (shouldStop()) {
            throw refusal(operation, 0);
        }
    }

    DbUnavailableException refusal(String operation, int attempts) {
        Throwable cause = lastFailure;
        return new DbUnavailableException(operation, attempts, DbUnavailableException.Reason.CIRCUIT_OPEN,
                cause == null ? null : DbFailureClassifier.sqlState(cause), cause);
    }

    /** Consecutive transient failures so far; it stops growing at the threshold. */
    public int consecutiveFailures() {
        return consecutive.get();
    }

    public int threshold() {
        return threshold;
    }

    public String name() {
        return name;
    }

    /** The last transient failure recorded, or null. */
    public @Nullable Throwable lastFailure() {
        return lastFailure;
    }

    @Override
    public String toString() {
        return "ConnectionCircuit[" + name + " " + consecutive.get() + "/" + threshold
                + (shouldStop() ? " open]" : " closed]");
    }
}
