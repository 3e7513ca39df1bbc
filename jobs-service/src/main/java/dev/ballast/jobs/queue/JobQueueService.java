package dev.ballast.jobs.queue;

import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@link JobQueue}: validates, applies the per-type defaults, inserts (INSERT ... ON CONFLICT on the dedupe key,
 * never check-then-insert), and wakes this process's workers at once when something became due. Other replicas
 * hear of it through the NOTIFY the insert triggers.
 */
@Singleton
public final class JobQueueService implements JobQueue {

    static final int MAX_KEY = 200;
    static final int MAX_PRIORITY = 1000;
    static final int MAX_ATTEMPTS = 100;

    private final JobStore store;
    private final JobTypes types;
    private final JobWorkers workers;
    private final WorkspaceActivity activity;

    JobQueueService(JobStore store, JobTypes types, JobWorkers workers, WorkspaceActivity activity) {
        this.store = store;
        this.types = types;
        this.workers = workers;
        this.activity = activity;
    }

    @Override
    public Enqueued enqueue(NewJob job) {
        JobStore.Row row = row(job);
        Enqueued enqueued = store.insert(row);
        inserted(List.of(row), List.of(enqueued));
        return enqueued;
    }

    @Override
    public List<Enqueued> enqueueAll(List<NewJob> jobs) {
        List<JobStore.Row> rows = new ArrayList<>(jobs.size());
        for (int i = 0; i < jobs.size(); i++) {
            try {
                rows.add(row(jobs.get(i)));
            } catch (InvalidJobException e) {
                throw e.at("/" + i);
            }
        }
        List<Enqueued> enqueued = store.insertAll(rows);
        inserted(rows, enqueued);
        return enqueued;
    }

    @Override
    public void check(NewJob job) {
        row(job);
    }

    /** After an insert: notes each new job's workspace as active, and wakes the workers when one is due now. */
    private void inserted(List<JobStore.Row> rows, List<Enqueued> enqueued) {
        for (int i = 0; i < rows.size(); i++) {
            if (enqueued.get(i).created()) {
                activity.saw(rows.get(i).workspaceId(), rows.get(i).type());
            }
        }
        Instant now = Instant.now();
        for (int i = 0; i < rows.size(); i++) {
            if (enqueued.get(i).created() && (rows.get(i).runAt() == null || !rows.get(i).runAt().isAfter(now))) {
                workers.wake();
                return;
            }
        }
    }

    /** Checks one job and fills in its defaults; throws {@link InvalidJobException} naming the field. */
    JobStore.Row row(NewJob job) {
        if (job == null) {
            throw new InvalidJobException("", "a job is required");
        }
        if (job.type() == null || job.type().isBlank()) {
            throw new InvalidJobException("/type", "type is required");
        }
        if (!JobTypes.NAME.matcher(job.type()).matches()) {
            throw new InvalidJobException("/type", "type must be lower-case letters, digits, '-' or '_' (at most 100)");
        }
        if (job.workspaceId() == null) {
            throw new InvalidJobException("/workspaceId", "workspaceId is required");
        }
        if (job.dedupeKey() != null && (job.dedupeKey().isBlank() || job.dedupeKey().length() > MAX_KEY)) {
            throw new InvalidJobException("/dedupeKey", "dedupeKey must be 1.." + MAX_KEY + " characters");
        }
        JsonNode payload = job.payload();
        if (payload != null && !payload.isNull() && !payload.isObject()) {
            throw new InvalidJobException("/payload", "payload must be a JSON object");
        }
        int priority = job.priority() == null ? 0 : job.priority();
        if (priority < -MAX_PRIORITY || priority > MAX_PRIORITY) {
            throw new InvalidJobException("/priority", "priority must be between -" + MAX_PRIORITY + " and " + MAX_PRIORITY);
        }
        int maxAttempts = job.maxAttempts() == null ? types.settings(job.type()).maxAttempts() : job.maxAttempts();
        if (maxAttempts < 1 || maxAttempts > MAX_ATTEMPTS) {
            throw new InvalidJobException("/maxAttempts", "maxAttempts must be between 1 and " + MAX_ATTEMPTS);
        }
        String payloadText;
        try {
            payloadText = payload == null || payload.isNull() ? "{}" : PayloadWriter.write(payload);
        } catch (IOException e) {
            throw new InvalidJobException("/payload", "payload must be JSON: " + e.getMessage());
        }
        return new JobStore.Row(job.type(), job.workspaceId(), payloadText, job.dedupeKey(), job.runAt(), priority,
                maxAttempts);
    }
}
