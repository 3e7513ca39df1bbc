package dev.ballast.resilience.db;

import dev.ballast.resilience.db.DbFailureClassifier.Kind;
import dev.ballast.resilience.db.DbRetry.Retry;
import dev.ballast.resilience.db.DbRetry.Unit;
import dev.ballast.resilience.db.DbUnavailableException.Reason;
import io.micronaut.core.annotation.Nullable;

/**
 * What {@link DbRetry} tells its built-in listeners ({@link DbRetryMetrics}, {@link DbRetryLog}), on the calling
 * thread, as resilience4j's event publisher keeps Micrometer and logging out of its retry loop. Must not block.
 */
interface DbRetryEvents {

    /** A unit gave up; {@code foundOutage} when it was the unit that found the database failing. */
    record GiveUp(String operation, Unit unit, int attempts, Kind kind, @Nullable String sqlState, Reason reason,
                  Throwable failure, boolean foundOutage) {
    }

    /** One attempt ended with {@code outcome} (success, or the failure's kind). */
    default void attempted(String operation, Unit unit, String outcome) {
    }

    /** A retry is about to wait; {@code foundOutage} when this unit found the database failing. */
    default void retrying(Retry retry, boolean foundOutage) {
    }

    default void gaveUp(GiveUp giveUp) {
    }

    /** A unit ended with {@code outcome} after {@code nanos}. */
    default void finished(String operation, Unit unit, String outcome, long nanos) {
    }

    /** The first success after an outage of {@code millis}, during which {@code failedUnits} units failed. */
    default void recovered(long millis, int failedUnits) {
    }
}
