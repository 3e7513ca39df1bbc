package dev.ballast.jobs.admin;

import dev.ballast.jobs.admin.AdminApi.AttemptView;
import dev.ballast.jobs.admin.AdminApi.JobDetail;
import dev.ballast.jobs.admin.AdminApi.JobPage;
import dev.ballast.jobs.admin.AdminApi.JobView;
import dev.ballast.jobs.admin.AdminApi.Stats;
import dev.ballast.jobs.admin.AdminApi.StatsRow;
import dev.ballast.jobs.queue.JobState;
import dev.ballast.resilience.db.JdbcRunner;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The admin's reads and state changes of jobs. Every change is one conditional UPDATE (compare-and-set on status),
 * so it cannot race a worker into an impossible state; the queue's finisher is fenced on {@code status = 'running'}
 * and so leaves a job cancelled here alone.
 */
@Singleton
public final class JobAdministration {

    /** The filters of a listing, already validated; null means "any". */
    public record Filter(@Nullable JobState status, @Nullable String type, @Nullable UUID workspaceId,
                         @Nullable Long after, int limit) {
    }

    /** What a state change found: the job after it, or the status that refused it, or nothing. */
    public sealed interface Change {
        record Done(JobView job) implements Change {
        }

        record Refused(JobState status) implements Change {
        }

        record Missing() implements Change {
        }
    }

    private static final String COLUMNS = """
            id, type, workspace_id, status, priority, run_at, attempt, max_attempts, lease_until, locked_by,
            dedupe_key, last_error, created_at, updated_at, finished_at""";

    private final JdbcRunner jdbc;
    private final JsonMapper json;
    private final AdminSettings settings;

    JobAdministration(JdbcRunner jdbc, JsonMapper json, AdminSettings settings) {
        this.jdbc = jdbc;
        this.json = json;
        this.settings = settings;
    }

    public JobPage list(Filter f) {
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM jobs.jobs WHERE true");
        List<Object> params = new ArrayList<>();
        if (f.status() != null) {
            sql.append(" AND status = ?");
            params.add(f.status().column());
        }
        if (f.type() != null) {
            sql.append(" AND type = ?");
            params.add(f.type());
        }
        if (f.workspaceId() != null) {
            sql.append(" AND workspace_id = ?");
            params.add(f.workspaceId());
        }
        if (f.after() != null) {
            sql.append(" AND id < ?");
            params.add(f.after());
        }
        // One extra row tells whether there is a next page.
        sql.append(" ORDER BY id DESC LIMIT ?");
        params.add(f.limit() + 1);
        List<JobView> rows = jdbc.list("admin-list-jobs", sql.toString(), st -> {
            for (int i = 0; i < params.size(); i++) {
                st.setObject(i + 1, params.get(i));
            }
        }, JobAdministration::job);
        List<JobView> items = rows.subList(0, Math.min(f.limit(), rows.size()));
        return new JobPage(List.copyOf(items), rows.size() > f.limit() ? items.getLast().id() : null);
    }

    public Optional<JobDetail> detail(long id) {
        return jdbc.statement("admin-job-detail", c -> {
            // One snapshot for the job and its attempts.
            c.setAutoCommit(false);
            c.setReadOnly(true);
            try {
                JobView job;
                String payload;
                String result;
                try (PreparedStatement st = c.prepareStatement(
                        "SELECT " + COLUMNS + ", payload::text, result::text FROM jobs.jobs WHERE id = ?")) {
                    st.setLong(1, id);
                    try (ResultSet rs = st.executeQuery()) {
                        if (!rs.next()) {
                            return Optional.<JobDetail>empty();
                        }
                        job = job(rs);
                        payload = rs.getString(16);
                        result = rs.getString(17);
                    }
                }
                List<AttemptView> attempts = new ArrayList<>();
                // An attempt's row is written when it ends; the one still running (or cut short by a cancel
                // before its worker closed it) is read from the job row.
                try (PreparedStatement st = c.prepareStatement("""
                        SELECT attempt, worker, started_at, finished_at, outcome, error_class, error
                        FROM jobs.job_attempts WHERE job_id = ?
                        UNION ALL
                        SELECT j.attempt, j.locked_by, j.claimed_at, NULL, NULL, NULL, NULL
                        FROM jobs.jobs j
                        WHERE j.id = ? AND j.status IN ('running', 'cancelled') AND j.claimed_at IS NOT NULL
                          AND NOT EXISTS (SELECT 1 FROM jobs.job_attempts a WHERE a.job_id = j.id AND a.attempt = j.attempt)
                        ORDER BY 1""")) {
                    st.setLong(1, id);
                    st.setLong(2, id);
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            attempts.add(new AttemptView(rs.getInt(1), rs.getString(2), instant(rs, 3),
                                    instant(rs, 4), rs.getString(5), rs.getString(6), rs.getString(7)));
                        }
                    }
                }
                return Optional.of(new JobDetail(job, parse(payload), result == null ? null : parse(result), attempts));
            } finally {
                c.rollback();
                c.setReadOnly(false);
                c.setAutoCommit(true);
            }
        });
    }

    /**
     * Dead or cancelled → available, due now. {@code attempt} keeps counting (it fences claims and numbers the
     * attempt rows); the job gets {@code retry-attempts} more tries on top of those it has used.
     */
    public Change retry(long id) {
        return change("admin-retry-job", id, """
                UPDATE jobs.jobs SET status = 'available', run_at = now(), max_attempts = attempt + ?,
                       lease_until = NULL, locked_by = NULL, finished_at = NULL, result = NULL, updated_at = now()
                WHERE id = ? AND status IN ('dead', 'cancelled')
                RETURNING\s""" + COLUMNS, settings.retryAttempts());
    }

    /** Available or running → cancelled. A cancelled job stays cancelled (answered as done, nothing changes). */
    public Change cancel(long id) {
        Change c = change("admin-cancel-job", id, """
                UPDATE jobs.jobs SET status = 'cancelled', finished_at = now(), lease_until = NULL, updated_at = now()
                WHERE id = ? AND status IN ('available', 'running')
                RETURNING\s""" + COLUMNS, null);
        if (c instanceof Change.Refused(JobState status) && status == JobState.CANCELLED) {
            return find(id).<Change>map(Change.Done::new).orElse(c);
        }
        return c;
    }

    public Optional<JobView> find(long id) {
        return jdbc.query("admin-find-job", "SELECT " + COLUMNS + " FROM jobs.jobs WHERE id = ?",
                st -> st.setLong(1, id), rs -> rs.next() ? Optional.of(job(rs)) : Optional.<JobView>empty());
    }

    private Change change(String operation, long id, String update, @Nullable Integer firstParam) {
        // A single conditional statement: rerunning it after a lost connection finds the row changed and refuses.
        return jdbc.statement(operation, c -> {
            try (PreparedStatement st = c.prepareStatement(update)) {
                int i = 0;
                if (firstParam != null) {
                    st.setInt(++i, firstParam);
                }
                st.setLong(++i, id);
                try (ResultSet rs = st.executeQuery()) {
                    if (rs.next()) {
                        return new Change.Done(job(rs));
                    }
                }
            }
            try (PreparedStatement st = c.prepareStatement("SELECT status FROM jobs.jobs WHERE id = ?")) {
                st.setLong(1, id);
                try (ResultSet rs = st.executeQuery()) {
                    return rs.next() ? new Change.Refused(JobState.ofColumn(rs.getString(1))) : new Change.Missing();
                }
            }
        });
    }

    /**
     * Depth and age per (type, live status). Reads only live rows, through the partial indexes on them, however
     * many finished jobs the table holds.
     */
    public Stats stats() {
        return jdbc.query("admin-job-stats", """
                SELECT type, status, count(*), count(*) FILTER (WHERE run_at <= now()),
                       COALESCE(EXTRACT(EPOCH FROM now() - min(run_at) FILTER (WHERE run_at <= now())), 0),
                       now()
                FROM jobs.jobs WHERE status IN ('available', 'running')
                GROUP BY type, status ORDER BY type, status""", JdbcRunner.Binder.NONE, rs -> {
            List<StatsRow> rows = new ArrayList<>();
            Instant at = Instant.now();
            while (rs.next()) {
                rows.add(new StatsRow(rs.getString(1), rs.getString(2), rs.getLong(3), rs.getLong(4), rs.getDouble(5)));
                at = rs.getTimestamp(6).toInstant();
            }
            return new Stats(at, rows);
        });
    }

    private static JobView job(ResultSet rs) throws SQLException {
        return new JobView(rs.getLong(1), rs.getString(2), rs.getObject(3, UUID.class), rs.getString(4),
                rs.getInt(5), instant(rs, 6), rs.getInt(7), rs.getInt(8), instant(rs, 9), rs.getString(10),
                rs.getString(11), rs.getString(12), instant(rs, 13), instant(rs, 14), instant(rs, 15));
    }

    private static @Nullable Instant instant(ResultSet rs, int column) throws SQLException {
        Timestamp t = rs.getTimestamp(column);
        return t == null ? null : t.toInstant();
    }

    private JsonNode parse(String text) {
        try {
            return json.readValue(text, JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException("stored JSON does not parse", e);
        }
    }
}
