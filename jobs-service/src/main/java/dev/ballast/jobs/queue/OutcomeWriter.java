package dev.ballast.jobs.queue;

import dev.ballast.resilience.Backoff;
import dev.ballast.resilience.db.DbFailureClassifier;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.DbUnavailableException;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Writes finished attempts in batches: whatever has queued up while the previous write ran goes in the next one
 * statement (group commit: no waiting to fill a batch, so a lone outcome is written at once and a busy pool
 * writes hundreds per round trip).
 *
 * <p>While the database is away, the batch is kept and written again with backoff until it goes through: a short
 * cut costs no re-run. If the lease ran out meanwhile and another worker took the job, the old write is fenced
 * off (attempt and status), so an attempt is recorded {@code succeeded} at most once and a job at most once.
 * Outcomes still unwritten when the service stops are dropped: their leases expire and the jobs run again.
 */
@Singleton
public final class OutcomeWriter {

    private static final Logger LOG = LoggerFactory.getLogger(OutcomeWriter.class);

    private record Pending(AttemptOutcome outcome, CompletableFuture<Boolean> written) {
    }

    private final JobStore store;
    private final JobMetrics metrics;
    private final Backoff backoff;
    private final int maxBatch;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private volatile int batchSize;
    private final Thread flusher;
    private volatile boolean stopping;

    OutcomeWriter(JobStore store, JobMetrics metrics, DbRetry retry, WorkerSettings settings, MeterRegistry meters) {
        this.store = store;
        this.metrics = metrics;
        this.backoff = retry.policy().backoff();
        this.maxBatch = settings.completerBatch();
        Gauge.builder("ballast.jobs.outcomes.unwritten", this, OutcomeWriter::unwritten)
                .description("finished attempts held in memory until their outcome is written").register(meters);
        this.flusher = Thread.ofVirtual().name("jobs-outcome-writer").start(this::run);
    }

    /** Finished attempts whose outcome is not written yet: queued, or in the batch being written (or retried). */
    int unwritten() {
        return queue.size() + batchSize;
    }

    /** Queues an outcome; the future says whether it was written (false: fenced off, or dropped at shutdown). */
    public CompletableFuture<Boolean> submit(AttemptOutcome outcome) {
        CompletableFuture<Boolean> written = new CompletableFuture<>();
        if (stopping) {
            written.complete(false);
            return written;
        }
        queue.add(new Pending(outcome, written));
        return written;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>();
        int failures = 0;
        while (!Thread.currentThread().isInterrupted()) {
            try {
                if (batch.isEmpty()) {
                    batch.add(queue.take());
                }
                queue.drainTo(batch, maxBatch - batch.size());
                batchSize = batch.size();
                write(batch);
                batch.clear();
                batchSize = 0;
                if (failures > 0) {
                    LOG.info("job outcomes are written again after {} failed writes", failures);
                    failures = 0;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!(e instanceof DbUnavailableException) && DbFailureClassifier.classify(e) != DbFailureClassifier.Kind.TRANSIENT) {
                    // Not the database being away: writing the same batch again would fail the same way.
                    LOG.error("job outcomes could not be written, leases will bring the jobs back: jobs={} error={}",
                            batch.size(), e.toString());
                    batch.forEach(p -> p.written().completeExceptionally(e));
                    batch.clear();
                    batchSize = 0;
                    continue;
                }
                failures++;
                if (failures == 1) {
                    LOG.warn("job outcomes wait for the database, kept in memory: jobs={} sqlstate={}", batch.size(),
                            DbFailureClassifier.sqlState(e));
                }
                try {
                    Thread.sleep(Math.max(50, backoff.delayMillis(Math.min(failures, 10))));
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        batch.forEach(p -> p.written().complete(false));
        queue.forEach(p -> p.written().complete(false));
    }

    private void write(List<Pending> batch) {
        List<AttemptOutcome> outcomes = new ArrayList<>(batch.size());
        for (Pending p : batch) {
            outcomes.add(p.outcome());
        }
        Set<Long> written = store.complete(outcomes);
        List<AttemptOutcome> refused = new ArrayList<>();
        for (Pending p : batch) {
            boolean ok = written.contains(p.outcome().id());
            if (!ok) {
                refused.add(p.outcome());
                LOG.info("job {} attempt {} outcome {} not recorded: the attempt no longer holds the job "
                        + "(lease expired and rescued, or cancelled)", p.outcome().id(), p.outcome().attempt(),
                        p.outcome().outcome());
            }
            p.written().complete(ok);
        }
        if (!refused.isEmpty()) {
            metrics.fenceRejected(refused.size());
            try {
                store.closeCancelled(refused);
            } catch (RuntimeException e) {
                // Only the attempt's closing row is missing; the job itself is settled (cancelled or rescued).
                LOG.warn("attempts of cancelled jobs could not be closed: jobs={} error={}", refused.size(),
                        e.getClass().getSimpleName());
            }
        }
    }

    /** Waits up to {@code millis} for queued outcomes to be written. */
    boolean drain(long millis) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        while (!queue.isEmpty() && System.nanoTime() < until) {
            Thread.sleep(5);
        }
        return queue.isEmpty();
    }

    @PreDestroy
    void stop() {
        stopping = true;
        flusher.interrupt();
    }
}
