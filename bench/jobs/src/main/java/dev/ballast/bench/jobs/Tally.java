package dev.ballast.bench.jobs;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What the handlers of one phase saw: how often each job number ran and when it first started. Every contender's
 * handler does nothing but call {@link #record}. A job of another phase (a late duplicate) counts as a stray.
 */
final class Tally {

    private static final Tally IDLE = new Tally(-1, 0);
    private static volatile Tally current = IDLE;

    private final int phase;
    private final int size;
    private final AtomicIntegerArray runs;
    private final long[] enqueuedAt;
    private final long[] startedAt;
    private final AtomicInteger strays = new AtomicInteger();
    private final AtomicLong firstStart = new AtomicLong(Long.MAX_VALUE);
    private final AtomicLong lastStart = new AtomicLong(Long.MIN_VALUE);
    private final CountDownLatch allStarted;

    private Tally(int phase, int size) {
        this.phase = phase;
        this.size = size;
        this.runs = new AtomicIntegerArray(size);
        this.enqueuedAt = new long[size];
        this.startedAt = new long[size];
        this.allStarted = new CountDownLatch(size);
    }

    /** Opens a new phase: from now on handlers report into the returned tally. */
    static Tally open(int phase, int size) {
        Tally t = new Tally(phase, size);
        current = t;
        return t;
    }

    /** Called first thing by every contender's handler. */
    static void record(int phase, int job) {
        long now = System.nanoTime();
        Tally t = current;
        if (phase != t.phase || job < 0 || job >= t.size) {
            IDLE.strays.incrementAndGet();
            t.strays.incrementAndGet();
            return;
        }
        if (t.runs.getAndIncrement(job) == 0) {
            t.startedAt[job] = now;
            t.firstStart.accumulateAndGet(now, Math::min);
            t.lastStart.accumulateAndGet(now, Math::max);
            t.allStarted.countDown();
        }
    }

    /** Strays seen in any phase, also between phases. */
    static int straysEver() {
        return IDLE.strays.get();
    }

    int phase() {
        return phase;
    }

    int size() {
        return size;
    }

    void enqueued(int job, long nanos) {
        enqueuedAt[job] = nanos;
    }

    boolean awaitAllStarted(long timeout, TimeUnit unit) throws InterruptedException {
        return allStarted.await(timeout, unit);
    }

    long started() {
        return size - allStarted.getCount();
    }

    long firstStart() {
        return firstStart.get();
    }

    long lastStart() {
        return lastStart.get();
    }

    int strays() {
        return strays.get();
    }

    /** Job numbers that did not run exactly once, as "n×runs" (at most 10 of them). */
    String notExactlyOnce() {
        StringBuilder out = new StringBuilder();
        int bad = 0;
        for (int i = 0; i < size; i++) {
            int r = runs.get(i);
            if (r != 1) {
                if (bad++ < 10) {
                    out.append(out.isEmpty() ? "" : ", ").append(i).append('×').append(r);
                }
            }
        }
        return bad == 0 ? "" : bad + " jobs: " + out + (bad > 10 ? ", ..." : "");
    }

    /** Start latencies in ms (handler start minus the instant the enqueue call was made), sorted. */
    double[] startLatenciesMs() {
        double[] out = new double[size];
        for (int i = 0; i < size; i++) {
            out[i] = (startedAt[i] - enqueuedAt[i]) / 1e6;
        }
        Arrays.sort(out);
        return out;
    }

    static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank))];
    }
}
