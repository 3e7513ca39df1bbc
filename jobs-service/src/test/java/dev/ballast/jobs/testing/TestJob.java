package dev.ballast.jobs.testing;

import dev.ballast.jobs.queue.JobQueue;
import dev.ballast.jobs.queue.JobState;
import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.ServiceUnderTest;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A test job with only the options a test cares about, as River's {@code testfactory.Job(JobOpts)}: enqueued through
 * the queue ({@link #enqueue}) or inserted as the queue would have left it in a given state ({@link #insert}).
 */
public final class TestJob {

    private final String type;
    private UUID workspace = UUID.randomUUID();
    private final Map<String, JsonNode> payload = new LinkedHashMap<>();
    private @Nullable String dedupeKey;
    private @Nullable Instant runAt;
    private @Nullable Integer priority;
    private @Nullable Integer maxAttempts;
    private JobState state = JobState.AVAILABLE;
    private int attempt;
    private @Nullable Duration claimedAgo;
    private @Nullable String worker;
    private @Nullable Duration leaseLeft;

    private TestJob(String type) {
        this.type = type;
    }

    /** A job of {@code type} for a random workspace, every other option the queue's default. */
    public static TestJob of(String type) {
        return new TestJob(type);
    }

    public TestJob workspace(UUID workspace) {
        this.workspace = workspace;
        return this;
    }

    /** Adds {@code field} to the payload (which is otherwise empty). */
    public TestJob payload(String field, long value) {
        payload.put(field, JsonNode.createNumberNode(value));
        return this;
    }

    /** Adds these fields to the payload. */
    public TestJob payload(Map<String, JsonNode> fields) {
        payload.putAll(fields);
        return this;
    }

    public TestJob dedupeKey(String key) {
        this.dedupeKey = key;
        return this;
    }

    public TestJob runAt(Instant at) {
        this.runAt = at;
        return this;
    }

    /** Not due for an hour: left alone by the workers until the test makes it due. */
    public TestJob later() {
        return runAt(Instant.now().plusSeconds(3600));
    }

    public TestJob priority(int priority) {
        this.priority = priority;
        return this;
    }

    public TestJob maxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
        return this;
    }

    /** For {@link #insert}: in {@code state} after {@code attempt} attempts (running: leased by worker-1 for 5 minutes). */
    public TestJob stored(JobState state, int attempt) {
        this.state = state;
        this.attempt = attempt;
        return this;
    }

    /** For {@link #insert}: its current attempt started {@code ago}. */
    public TestJob claimedAgo(Duration ago) {
        this.claimedAgo = ago;
        return this;
    }

    /**
     * For {@link #insert}: claimed by {@code worker} as the claim statement does (attempt 1, its attempt row open),
     * its lease running out in {@code leaseLeft} (negative: already expired), as a worker that then died leaves it.
     */
    public TestJob claimedBy(String worker, Duration leaseLeft) {
        this.state = JobState.RUNNING;
        this.attempt = Math.max(1, attempt);
        this.worker = worker;
        this.leaseLeft = leaseLeft;
        return this;
    }

    public JobQueue.NewJob newJob() {
        return new JobQueue.NewJob(type, workspace, payload.isEmpty() ? null : JsonNode.createObjectNode(payload),
                dedupeKey, runAt, priority, maxAttempts);
    }

    /** Enqueued through {@code queue}; its id. */
    public long enqueue(JobQueue queue) {
        return queue.enqueue(newJob()).id();
    }

    /** Inserted as a row in its stored state; its id. */
    public long insert(ServiceUnderTest service) {
        boolean running = state == JobState.RUNNING;
        boolean finished = state == JobState.SUCCEEDED || state == JobState.DEAD || state == JobState.CANCELLED;
        List<String> columns = new ArrayList<>(List.of("type", "workspace_id", "payload", "status", "attempt"));
        List<String> values = new ArrayList<>(List.of("?", "?", "?::jsonb", "?", "?"));
        List<Object> params = new ArrayList<>(List.of(type, workspace,
                payload.isEmpty() ? "{\"k\":\"v\"}" : service.jsonString(JsonNode.createObjectNode(payload)), state.column(), attempt));
        add(columns, values, params, "max_attempts", "?", maxAttempts == null ? 5 : maxAttempts);
        add(columns, values, params, "priority", "?", priority);
        add(columns, values, params, "dedupe_key", "?", dedupeKey);
        add(columns, values, params, "run_at", "?::timestamptz",
                runAt != null ? runAt.toString() : worker != null ? Instant.now().toString() : null);
        add(columns, values, params, "last_error", "?", state == JobState.DEAD ? "boom" : null);
        if (finished) {
            columns.add("finished_at");
            values.add("now()");
        }
        if (running) {
            add(columns, values, params, "lease_until", "now() + make_interval(secs => ?)",
                    (leaseLeft == null ? Duration.ofMinutes(5) : leaseLeft).toMillis() / 1000.0);
            add(columns, values, params, "locked_by", "?", worker == null ? "worker-1" : worker);
        }
        if (claimedAgo != null) {
            add(columns, values, params, "claimed_at", "now() - make_interval(secs => ?)", claimedAgo.toMillis() / 1000.0);
        }
        String insert = "INSERT INTO jobs.jobs (" + String.join(", ", columns) + ") VALUES (" + String.join(", ", values)
                + ") RETURNING id, attempt";
        if (worker != null) {
            // One statement, as the claim writes it: the job is never seen claimed without its attempt's row.
            insert = "WITH j AS (" + insert + "), a AS (INSERT INTO jobs.job_attempts (job_id, attempt, worker) "
                    + "SELECT id, attempt, ? FROM j) SELECT id FROM j";
            params.add(worker);
        }
        return ((Number) service.queryOne(insert, params.toArray())).longValue();
    }

    private static void add(List<String> columns, List<String> values, List<Object> params, String column, String value,
                            @Nullable Object param) {
        if (param != null) {
            columns.add(column);
            values.add(value);
            params.add(param);
        }
    }
}
