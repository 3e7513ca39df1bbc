package dev.ballast.jobs.queue;

import java.util.Collection;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import java.util.concurrent.locks.LockSupport;

/**
 * One thread watching every running attempt's time budget: a scheduled task per job cost a queue insert and removal
 * under one lock for each job. It sleeps until the earliest deadline it saw; an attempt that starts with an earlier
 * one wakes it ({@link #watch}).
 *
 * @param <T> a watched attempt
 */
final class TimeoutSweeper<T> {

    private static final long NO_SWEEP = Long.MAX_VALUE;

    private final Supplier<? extends Collection<T>> watched;
    private final ToLongFunction<T> dueNanos;
    private final Consumer<T> timedOut;
    private volatile long sweepAt = NO_SWEEP;
    private volatile boolean stopped;
    private volatile Thread thread;

    /**
     * @param watched  the attempts to look at on every sweep
     * @param dueNanos an attempt's {@code System.nanoTime()} deadline, 0 while it has none (not started, or settled)
     * @param timedOut called on the sweeper's thread for an attempt past its deadline; must not throw
     */
    TimeoutSweeper(Supplier<? extends Collection<T>> watched, ToLongFunction<T> dueNanos, Consumer<T> timedOut) {
        this.watched = watched;
        this.dueNanos = dueNanos;
        this.timedOut = timedOut;
    }

    void start() {
        thread = Thread.ofPlatform().daemon().name("jobs-timeouts").start(this::loop);
    }

    /** An attempt now has a deadline at {@code due}: sweeps earlier when that comes before the one planned. */
    void watch(long due) {
        long planned = sweepAt;
        Thread t = thread;
        if (t != null && (planned == NO_SWEEP || due - planned < 0)) {
            LockSupport.unpark(t);
        }
    }

    void stop() {
        stopped = true;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    private void loop() {
        while (!stopped) {
            sweepAt = NO_SWEEP;
            long now = System.nanoTime();
            long next = NO_SWEEP;
            for (T attempt : watched.get()) {
                long due = dueNanos.applyAsLong(attempt);
                if (due == 0) {
                    continue;
                }
                if (due - now <= 0) {
                    timedOut.accept(attempt);
                } else if (next == NO_SWEEP || due - next < 0) {
                    next = due;
                }
            }
            sweepAt = next;
            if (next == NO_SWEEP) {
                LockSupport.park(this);
            } else {
                LockSupport.parkNanos(this, next - now);
            }
        }
    }
}
