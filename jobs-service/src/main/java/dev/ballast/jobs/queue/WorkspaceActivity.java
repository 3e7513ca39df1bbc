package dev.ballast.jobs.queue;

import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.db.JdbcRunner;
import dev.ballast.resilience.db.SchemaMigrator;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.scheduling.annotation.Scheduled;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each (workspace, job type) last got a new job, noted in memory at enqueue and written to
 * {@code jobs.workspace_activity} in one statement per flush (every {@code ballast.jobs.workspace-activity.flush-interval},
 * before every read, at shutdown): the enqueue path pays a map update, not a database write. A replica that dies
 * loses at most one interval of notes, which only matters for a workspace whose every job of the activity window
 * came in that interval.
 */
@Singleton
public final class WorkspaceActivity {

    private static final Logger LOG = LoggerFactory.getLogger(WorkspaceActivity.class);
    private static final String UPSERT = """
            INSERT INTO jobs.workspace_activity (workspace_id, type, last_job_at)
            SELECT * FROM unnest(?::uuid[], ?::text[], ?::timestamptz[])
            ON CONFLICT (workspace_id, type) DO UPDATE
            SET last_job_at = excluded.last_job_at WHERE workspace_activity.last_job_at < excluded.last_job_at""";

    private record Key(UUID workspaceId, String type) {
    }

    private final JdbcRunner jdbc;
    private final @Nullable SchemaMigrator schema;
    private final Map<Key, Long> pending = new ConcurrentHashMap<>();

    WorkspaceActivity(JdbcRunner jdbc, @Nullable SchemaMigrator schema) {
        this.jdbc = jdbc;
        this.schema = schema;
    }

    /** A new job of {@code type} for {@code workspaceId} now. */
    void saw(UUID workspaceId, String type) {
        pending.put(new Key(workspaceId, type), System.currentTimeMillis());
    }

    @Scheduled(fixedDelay = "${ballast.jobs.workspace-activity.flush-interval:1m}",
            initialDelay = "${ballast.jobs.workspace-activity.flush-interval:1m}")
    void scheduledFlush() {
        if (pending.isEmpty() || (schema != null && !schema.migrated())) {
            return;
        }
        try {
            flush();
        } catch (RuntimeException e) {
            // Kept in memory: the next flush writes them.
            LOG.atLevel(DbRetry.loopFailureLevel(e)).log("workspace activity not written, kept for the next flush: {}", e.toString());
        }
    }

    @PreDestroy
    void flushAtShutdown() {
        scheduledFlush();
    }

    /** Writes what was noted since the last flush; notes made meanwhile wait for the next one. */
    public void flush() {
        if (pending.isEmpty()) {
            return;
        }
        List<Map.Entry<Key, Long>> batch = new ArrayList<>();
        pending.forEach((key, at) -> batch.add(Map.entry(key, at)));
        int n = batch.size();
        UUID[] workspaces = new UUID[n];
        String[] types = new String[n];
        Timestamp[] at = new Timestamp[n];
        for (int i = 0; i < n; i++) {
            workspaces[i] = batch.get(i).getKey().workspaceId();
            types[i] = batch.get(i).getKey().type();
            at[i] = new Timestamp(batch.get(i).getValue());
        }
        jdbc.update("jobs-workspace-activity", UPSERT, st -> {
            Connection c = st.getConnection();
            st.setArray(1, c.createArrayOf("uuid", workspaces));
            st.setArray(2, c.createArrayOf("text", types));
            st.setArray(3, c.createArrayOf("timestamptz", at));
        });
        for (Map.Entry<Key, Long> e : batch) {
            // A newer note of the same key, made while this one was written, stays for the next flush.
            pending.remove(e.getKey(), e.getValue());
        }
    }

    int pendingNotes() {
        return pending.size();
    }
}
