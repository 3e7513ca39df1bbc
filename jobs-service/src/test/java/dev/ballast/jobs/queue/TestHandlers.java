package dev.ballast.jobs.queue;

import dev.ballast.testsupport.ServiceUnderTest;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the test handlers did in one service context, and the latch its {@code blocking} handlers wait on: every
 * context (every replica of a test) has its own, so tests and replicas never see each other's runs.
 */
@Singleton
public final class TestHandlers {

    private final Map<Long, AtomicInteger> runs = new ConcurrentHashMap<>();
    private final Set<Long> interrupted = ConcurrentHashMap.newKeySet();
    private volatile CountDownLatch release = new CountDownLatch(1);

    /** The signals of {@code service}'s context. */
    public static TestHandlers of(ServiceUnderTest service) {
        return service.bean(TestHandlers.class);
    }

    /** Handler runs per job id, summed over several contexts (replicas sharing a database). */
    public static Map<Long, Integer> runsAcross(TestHandlers... contexts) {
        Map<Long, Integer> out = new HashMap<>();
        for (TestHandlers h : contexts) {
            h.runs().forEach((id, n) -> out.merge(id, n, Integer::sum));
        }
        return out;
    }

    /** Forgets the runs seen so far and lets waiting {@code blocking} handlers go; later ones wait again. */
    public void reset() {
        runs.clear();
        interrupted.clear();
        release.countDown();
        release = new CountDownLatch(1);
    }

    /** Lets every {@code blocking} handler return, now and until {@link #reset}. */
    public void release() {
        release.countDown();
    }

    public int runs(long id) {
        AtomicInteger n = runs.get(id);
        return n == null ? 0 : n.get();
    }

    /** Handler runs per job id, a snapshot. */
    public Map<Long, Integer> runs() {
        Map<Long, Integer> out = new HashMap<>();
        runs.forEach((id, n) -> out.put(id, n.get()));
        return out;
    }

    public int totalRuns() {
        return runs.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Whether the handler of job {@code id} saw an interrupt. */
    public boolean interrupted(long id) {
        return interrupted.contains(id);
    }

    private int record(JobContext job) {
        return runs.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet();
    }

    private static long number(JobContext job, String field, long fallback) {
        JsonNode n = job.payload().get(field);
        return n == null ? fallback : n.getLongValue();
    }

    /** A handler that records its runs in its context's signals. */
    private abstract static class Recording implements JobHandler {
        final TestHandlers signals;

        Recording(TestHandlers signals) {
            this.signals = signals;
        }
    }

    @Singleton
    static final class Counting extends Recording {
        Counting(TestHandlers signals) {
            super(signals);
        }

        public String type() {
            return "counting";
        }

        public JobOutcome handle(JobContext job) {
            signals.record(job);
            return JobOutcome.succeeded(JsonNode.createObjectNode(Map.of("attempt", JsonNode.createNumberNode(job.attempt()))));
        }
    }

    @Singleton
    static final class Permanent extends Recording {
        Permanent(TestHandlers signals) {
            super(signals);
        }

        public String type() {
            return "permanent";
        }

        public JobOutcome handle(JobContext job) {
            signals.record(job);
            throw new PermanentJobFailure("lead 42 does not exist");
        }
    }

    /** Fails with an IllegalStateException until attempt {@code payload.failures + 1}. */
    @Singleton
    static final class Flaky extends Recording {
        Flaky(TestHandlers signals) {
            super(signals);
        }

        public String type() {
            return "flaky";
        }

        public JobOutcome handle(JobContext job) {
            signals.record(job);
            if (job.attempt() <= number(job, "failures", 2)) {
                throw new IllegalStateException("provider answered 503");
            }
            return JobOutcome.succeeded();
        }
    }

    /** Sleeps {@code payload.ms}, interruptibly. */
    @Singleton
    static final class Sleepy extends Recording {
        Sleepy(TestHandlers signals) {
            super(signals);
        }

        public String type() {
            return "sleepy";
        }

        public JobOutcome handle(JobContext job) throws InterruptedException {
            signals.record(job);
            try {
                Thread.sleep(number(job, "ms", 10));
            } catch (InterruptedException e) {
                signals.interrupted.add(job.id());
                throw e;
            }
            return JobOutcome.succeeded();
        }
    }

    /** Waits for {@link #release}. */
    @Singleton
    static final class Blocking extends Recording {
        Blocking(TestHandlers signals) {
            super(signals);
        }

        public String type() {
            return "blocking";
        }

        public JobOutcome handle(JobContext job) throws InterruptedException {
            signals.record(job);
            try {
                signals.release.await();
            } catch (InterruptedException e) {
                signals.interrupted.add(job.id());
                throw e;
            }
            return JobOutcome.succeeded();
        }
    }

    /** Snoozes on its first run, then succeeds. */
    @Singleton
    static final class Snoozing extends Recording {
        Snoozing(TestHandlers signals) {
            super(signals);
        }

        public String type() {
            return "snoozing";
        }

        public JobOutcome handle(JobContext job) {
            return signals.record(job) == 1 ? JobOutcome.snooze(Duration.ofMillis(50)) : JobOutcome.succeeded();
        }
    }
}
