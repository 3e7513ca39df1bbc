package dev.ballast.resilience.db;

import dev.ballast.resilience.http.Deadline;
import io.micronaut.core.annotation.Nullable;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * The deadline of the attempt of a unit of work running on this thread, bound by {@link DbRetry} for the attempt's
 * length. The connections of {@link DeadlineAwareDataSource} read it to bound each read on the socket by what remains.
 *
 * <p>Pool acquisition is the one wait no socket timeout reaches, and Hikari takes no per-call timeout: a watchdog
 * interrupts the thread at the deadline while it has not yet used a connection (Hikari's wait is interruptible), and
 * never once it has, so that an interrupt never lands in the middle of the attempt's statements.
 */
final class UnitDeadline {

    private static final ThreadLocal<UnitDeadline> CURRENT = new ThreadLocal<>();
    private static final ScheduledThreadPoolExecutor WATCHDOG = watchdog();

    private enum State { ACQUIRING, CONNECTED, CUT, DONE }

    private final Deadline deadline;
    private final Thread owner;
    private final @Nullable UnitDeadline outer;
    private final ScheduledFuture<?> alarm;
    private volatile State state = State.ACQUIRING;

    private UnitDeadline(Deadline deadline, @Nullable UnitDeadline outer) {
        this.deadline = deadline;
        this.owner = Thread.currentThread();
        this.outer = outer;
        this.alarm = WATCHDOG.schedule(this::cutAcquisition, Math.max(0, deadline.remainingMillis()),
                TimeUnit.MILLISECONDS);
    }

    /** Binds {@code deadline} to this thread until {@link #close()}. */
    static UnitDeadline bind(Deadline deadline) {
        UnitDeadline outer = CURRENT.get();
        // A nested unit never outlives the one it runs inside.
        UnitDeadline bound = new UnitDeadline(outer == null ? deadline : deadline.min(outer.deadline), outer);
        CURRENT.set(bound);
        return bound;
    }

    private static ScheduledThreadPoolExecutor watchdog() {
        ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1,
                r -> Thread.ofPlatform().daemon().name("db-deadline-watchdog").unstarted(r));
        // Almost every alarm is cancelled long before it is due: keep the queue to the units still running.
        executor.setRemoveOnCancelPolicy(true);
        return executor;
    }

    static @Nullable UnitDeadline current() {
        return CURRENT.get();
    }

    long remainingMillis() {
        return deadline.remainingMillis();
    }

    /** The thread holds a connection now: from here on the socket timeout bounds it, not an interrupt. */
    void connected() {
        if (state == State.ACQUIRING) {
            synchronized (this) {
                if (state == State.ACQUIRING) {
                    state = State.CONNECTED;
                }
            }
        }
    }

    private synchronized void cutAcquisition() {
        if (state == State.ACQUIRING) {
            state = State.CUT;
            owner.interrupt();
        }
    }

    /**
     * Unbinds this deadline (the outer unit's, if any, applies again).
     *
     * @return true when the watchdog interrupted the acquisition; that interrupt is cleared, it was ours
     */
    synchronized boolean close() {
        alarm.cancel(false);
        boolean cut = state == State.CUT;
        if (cut) {
            Thread.interrupted();
        }
        state = State.DONE;
        if (outer == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(outer);
        }
        return cut;
    }
}
