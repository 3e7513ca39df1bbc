package dev.ballast.jobs.queue;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.time.Instant;
import java.util.UUID;

/**
 * One claimed attempt of a job, as a handler sees it. {@code attempt} is also the claim's fencing value: only the
 * worker holding the newest attempt can record an outcome. {@code deadline} is when the type's time budget runs out.
 * The payload is parsed when the handler first asks for it: one that never looks at it costs no parse.
 */
public final class JobContext {

    private final long id;
    private final String type;
    private final UUID workspaceId;
    private final int attempt;
    private final int maxAttempts;
    private final Instant deadline;
    private final @Nullable String payloadText;
    private volatile @Nullable JsonNode payload;
    private volatile boolean parsed;

    public JobContext(long id, String type, UUID workspaceId, @Nullable JsonNode payload, int attempt, int maxAttempts,
                      Instant deadline) {
        this(id, type, workspaceId, (String) null, attempt, maxAttempts, deadline);
        this.payload = payload;
        this.parsed = true;
    }

    private JobContext(long id, String type, UUID workspaceId, @Nullable String payloadText, int attempt,
                       int maxAttempts, Instant deadline) {
        this.id = id;
        this.type = type;
        this.workspaceId = workspaceId;
        this.payloadText = payloadText;
        this.attempt = attempt;
        this.maxAttempts = maxAttempts;
        this.deadline = deadline;
    }

    /** A claimed job whose payload (jsonb text as PostgreSQL prints it) is parsed on first use. */
    static JobContext claimed(ClaimedJob job, int maxAttempts, Instant deadline) {
        return new JobContext(job.id(), job.type(), job.workspaceId(), job.payload(), job.attempt(), maxAttempts,
                deadline);
    }

    public long id() {
        return id;
    }

    public String type() {
        return type;
    }

    public UUID workspaceId() {
        return workspaceId;
    }

    /**
     * The job's payload; null for a payload that is JSON null. A payload that is not JSON (never written by this
     * service: jsonb) fails the attempt for good.
     */
    public @Nullable JsonNode payload() {
        if (!parsed) {
            try {
                payload = payloadText == null ? null : PayloadReader.read(payloadText);
            } catch (IOException e) {
                throw new PermanentJobFailure("payload is not JSON");
            }
            parsed = true;
        }
        return payload;
    }

    public int attempt() {
        return attempt;
    }

    public int maxAttempts() {
        return maxAttempts;
    }

    public Instant deadline() {
        return deadline;
    }

    public boolean lastAttempt() {
        return attempt >= maxAttempts;
    }

    @Override
    public String toString() {
        return "JobContext[id=" + id + ", type=" + type + ", workspaceId=" + workspaceId + ", attempt=" + attempt
                + "/" + maxAttempts + "]";
    }
}
