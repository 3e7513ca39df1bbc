package dev.ballast.jobs.queue;

import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/** Handlers the tests enqueue for, registered as beans in every test context; what they did is kept in statics. */
public final class TestHandlers {

    /** Handler runs per job id, across every context of the JVM. */
    public static final Map<Long, AtomicInteger> RUNS = new ConcurrentHashMap<>();
    /** Jobs whose handler saw an interrupt. */
    public static final Set<Long> INTERRUPTED = ConcurrentHashMap.newKeySet();
    /** Released by tests to let {@code blocking} handlers return. */
    public static volatile CountDownLatch release = new CountDownLatch(1);

    private TestHandlers() {
    }

    public static void reset() {
        RUNS.clear();
        INTERRUPTED.clear();
        release.countDown();
        release = new CountDownLatch(1);
    }

    public static int runs(long id) {
        AtomicInteger n = RUNS.get(id);
        return n == null ? 0 : n.get();
    }

    private static int record(JobContext job) {
        return RUNS.computeIfAbsent(job.id(), k -> new AtomicInteger()).incrementAndGet();
    }

    private static long number(JobContext job, String field, long fallback) {
        JsonNode n = job.payload().get(field);
        return n == null ? fallback : n.getLongValue();
    }

    @Singleton
    static final class Counting implements JobHandler {
        public String type() {
            return "counting";
        }

        public JobOutcome handle(JobContext job) {
            record(job);
            return JobOutcome.succeeded(JsonNode.createObjectNode(Map.of("attempt", JsonNode.createNumberNode(job.attempt()))));
        }
    }

    @Singleton
    static final class Permanent implements JobHandler {
        public String type() {
            return "permanent";
        }

        public JobOutcome handle(JobContext job) {
            record(job);
            throw new PermanentJobFailure("lead 42 does not exist");
        }
    }

    /** Fails with an IllegalStateException until attempt {@code payload.failures + 1}. */
    @Singleton
    static final class Flaky implements JobHandler {
        public String type() {
            return "flaky";
        }

        public JobOutcome handle(JobContext job) {
            record(job);
            if (job.attempt() <= number(job, "failures", 2)) {
                throw new IllegalStateException("provider answered 503");
            }
            return JobOutcome.succeeded();
        }
    }

    /** Sleeps {@code payload.ms}, interruptibly. */
    @Singleton
    static final class Sleepy implements JobHandler {
        public String type() {
            return "sleepy";
        }

        public JobOutcome handle(JobContext job) throws InterruptedException {
            record(job);
            try {
                Thread.sleep(number(job, "ms", 10));
            } catch (InterruptedException e) {
                INTERRUPTED.add(job.id());
                throw e;
            }
            return JobOutcome.succeeded();
        }
    }

    /** Waits for {@link #release}. */
    @Singleton
    static final class Blocking implements JobHandler {
        public String type() {
            return "blocking";
        }

        public JobOutcome handle(JobContext job) throws InterruptedException {
            record(job);
            try {
                release.await();
            } catch (InterruptedException e) {
                INTERRUPTED.add(job.id());
                throw e;
            }
            return JobOutcome.succeeded();
        }
    }

    /** Snoozes on its first run, then succeeds. */
    @Singleton
    static final class Snoozing implements JobHandler {
        public String type() {
            return "snoozing";
        }

        public JobOutcome handle(JobContext job) {
            return record(job) == 1 ? JobOutcome.snooze(Duration.ofMillis(50)) : JobOutcome.succeeded();
        }
    }
}
