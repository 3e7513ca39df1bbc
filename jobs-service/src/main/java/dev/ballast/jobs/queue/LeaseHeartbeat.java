package dev.ballast.jobs.queue;

import dev.ballast.resilience.db.DbRetry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.function.IntSupplier;

/** A virtual thread extending the leases of every claim held, once per interval, until stopped. */
final class LeaseHeartbeat {

    // The runner's lines: operators know the heartbeat as part of it.
    private static final Logger LOG = LoggerFactory.getLogger(JobRunner.class);

    private final Duration interval;
    private final Runnable beat;
    private final IntSupplier held;
    private volatile Thread thread;

    /**
     * @param beat one heartbeat statement for every claim held
     * @param held how many claims are held, for the failure line
     */
    LeaseHeartbeat(Duration interval, Runnable beat, IntSupplier held) {
        this.interval = interval;
        this.beat = beat;
        this.held = held;
    }

    void start() {
        thread = Thread.ofVirtual().name("jobs-heartbeat").start(this::loop);
    }

    void stop() {
        Thread t = thread;
        if (t != null) {
            t.interrupt();
        }
    }

    private void loop() {
        long millis = interval.toMillis();
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(millis);
                beat.run();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                LOG.atLevel(DbRetry.loopFailureLevel(e)).log(
                        "job heartbeat failed, leases held={} run out unless the next one succeeds: {}",
                        held.getAsInt(), e.getClass().getSimpleName());
            }
        }
    }
}
