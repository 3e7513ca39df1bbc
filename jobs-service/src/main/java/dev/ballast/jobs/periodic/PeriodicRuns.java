package dev.ballast.jobs.periodic;

import dev.ballast.jobs.queue.WorkspaceActivity;
import dev.ballast.resilience.db.JdbcRunner;
import jakarta.inject.Singleton;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.UUID;

/**
 * "Once per period" across every replica: the job and its {@code periodic_runs} row are inserted in one transaction,
 * both with ON CONFLICT on their keys, so however many replicas tick at once for the same (kind, workspace,
 * period), one job exists and the others get it back. No check-then-insert, no lock table.
 */
@Singleton
public final class PeriodicRuns {

    /** The period's job; {@code created} is false when it existed already. */
    public record Run(long jobId, boolean created) {
    }

    private final JdbcRunner jdbc;
    private final WorkspaceActivity activity;

    PeriodicRuns(JdbcRunner jdbc, WorkspaceActivity activity) {
        this.jdbc = jdbc;
        this.activity = activity;
    }

    public static String dedupeKey(String kind, UUID workspace, String period) {
        return "periodic:" + kind + ":" + workspace + ":" + period;
    }

    public Run enqueue(String kind, String jobType, UUID workspace, String period) {
        String key = dedupeKey(kind, workspace, period);
        return jdbc.inTransaction("periodic-enqueue", c -> {
            Long jobId = null;
            boolean created = false;
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO jobs.jobs (type, workspace_id, payload, dedupe_key)
                    VALUES (?, ?, jsonb_build_object('kind', ?::text, 'workspaceId', ?::text, 'period', ?::text), ?)
                    ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
                    RETURNING id""")) {
                st.setString(1, jobType);
                st.setObject(2, workspace);
                st.setString(3, kind);
                st.setString(4, workspace.toString());
                st.setString(5, period);
                st.setString(6, key);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        jobId = rs.getLong(1);
                        created = true;
                    }
                }
            }
            if (jobId == null) {
                // A new statement sees the row the winner committed (we waited on its unique-index entry).
                try (PreparedStatement st = c.prepareStatement("SELECT id FROM jobs.jobs WHERE dedupe_key = ?")) {
                    st.setString(1, key);
                    try (ResultSet rs = st.executeQuery()) {
                        if (!rs.next()) {
                            throw new IllegalStateException("periodic job " + key + " conflicted but is not there");
                        }
                        jobId = rs.getLong(1);
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement("""
                    INSERT INTO jobs.periodic_runs (kind, workspace_id, period, job_id) VALUES (?, ?, ?, ?)
                    ON CONFLICT (kind, workspace_id, period) DO NOTHING""")) {
                st.setString(1, kind);
                st.setObject(2, workspace);
                st.setString(3, period);
                st.setLong(4, jobId);
                st.executeUpdate();
            }
            return new Run(jobId, created);
        });
    }

    /**
     * Workspaces with a job created since {@code now - within}, periodic jobs of {@code periodicTypes} not counted
     * (they would keep a workspace "active" forever), from {@code workspace_activity} (one row per workspace and job
     * type; this replica's notes are written first).
     */
    public List<UUID> activeWorkspaces(Instant now, Duration within, Collection<String> periodicTypes) {
        activity.flush();
        return jdbc.list("periodic-active-workspaces", """
                SELECT DISTINCT workspace_id FROM jobs.workspace_activity
                WHERE last_job_at > ? AND NOT (type = ANY (?))""", st -> {
            st.setTimestamp(1, Timestamp.from(now.minus(within)));
            st.setArray(2, st.getConnection().createArrayOf("text", periodicTypes.toArray()));
        }, rs -> rs.getObject(1, UUID.class));
    }
}
