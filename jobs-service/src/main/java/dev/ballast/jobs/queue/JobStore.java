package dev.ballast.jobs.queue;

import dev.ballast.jobs.queue.JobQueue.Enqueued;
import dev.ballast.resilience.db.JdbcRunner;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;
import org.postgresql.PGStatement;
import org.postgresql.jdbc.PgConnection;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The queue's SQL, in plain JDBC (arrays, CTEs, ON CONFLICT and SKIP LOCKED are the point; Micronaut Data 4.14 also
 * answers {@code ON CONFLICT DO NOTHING RETURNING} with null instead of empty). Claims, outcomes and heartbeats
 * each take one statement for a whole batch; outcomes and heartbeats find their rows by primary key only, so they cost
 * the same however many rows the table holds. Every outcome write is fenced by {@code attempt} and
 * {@code status = 'running'}: a late finisher of an older attempt, or of a job cancelled meanwhile, changes nothing.
 * Time is the database's ({@code now()}), so replicas' clocks never matter.
 */
@Singleton
public final class JobStore {

    /** A job to insert, validated and with its defaults applied. */
    public record Row(String type, UUID workspaceId, String payload, @Nullable String dedupeKey,
                      @Nullable Instant runAt, int priority, int maxAttempts) {
    }

    /** What a rescue pass did with expired leases. */
    public record Rescued(int available, int dead) {
        public int total() {
            return available + dead;
        }
    }

    private static final String INSERT_ONE = """
            INSERT INTO jobs.jobs (type, workspace_id, payload, dedupe_key, run_at, priority, max_attempts)
            VALUES (?, ?, ?::jsonb, ?, coalesce(?::timestamptz, now()), ?, ?)
            ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
            RETURNING id, status""";

    private static final String CLAIM = """
            WITH due AS (
                SELECT id FROM jobs.jobs
                WHERE status = 'available' AND run_at <= now()
                ORDER BY priority DESC, run_at
                LIMIT ?
                FOR UPDATE SKIP LOCKED)
            UPDATE jobs.jobs j
            SET status = 'running', attempt = j.attempt + 1, lease_until = now() + make_interval(secs => ?),
                locked_by = ?, claimed_at = now(), updated_at = now()
            FROM due WHERE j.id = due.id
            RETURNING j.id, j.type, j.workspace_id, j.payload::text, j.attempt, j.max_attempts, j.snoozes""";

    // Driven by the batch's primary keys: the status test compares with a column of the batch ('running' in every row)
    // rather than a constant, so no plan can walk the jobs_leased index (and its entries of every recently running
    // row) instead, however stale the statistics. The attempt's row is written here, once, started at the claim.
    private static final String COMPLETE = """
            WITH done AS (
                UPDATE jobs.jobs j
                SET status = o.status,
                    run_at = CASE WHEN o.status = 'available' THEN now() + make_interval(secs => o.delay_s)
                                  ELSE j.run_at END,
                    result = CASE WHEN o.status = 'succeeded' THEN o.result::jsonb ELSE j.result END,
                    last_error = coalesce(o.error, j.last_error),
                    finished_at = CASE WHEN o.status IN ('succeeded', 'dead') THEN now() END,
                    lease_until = NULL, locked_by = NULL, snoozes = j.snoozes + o.snoozed, updated_at = now()
                FROM unnest(?::bigint[], ?::int[], ?::text[], ?::text[], ?::float8[], ?::text[], ?::text[], ?::text[],
                            ?::int[], ?::text[], ?::text[])
                    AS o(id, attempt, status, outcome, delay_s, result, error_class, error, snoozed, worker, expected)
                WHERE j.id = o.id AND j.attempt = o.attempt AND j.status = o.expected
                RETURNING j.id, j.attempt, j.claimed_at, o.worker, o.outcome, o.error_class, o.error),
            recorded AS (
                INSERT INTO jobs.job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, error_class, error)
                SELECT id, attempt, worker, coalesce(claimed_at, now()), now(), outcome, error_class, error FROM done
                ON CONFLICT (job_id, attempt) DO UPDATE
                SET finished_at = excluded.finished_at, outcome = excluded.outcome, error_class = excluded.error_class,
                    error = excluded.error
                WHERE job_attempts.finished_at IS NULL)
            SELECT id FROM done""";

    // Off the hot path: only outcomes the fence refused come here. A job cancelled while its attempt ran gets that
    // attempt closed as cancelled (the admin API or an operator may cancel a running job with a plain UPDATE).
    private static final String CLOSE_CANCELLED = """
            INSERT INTO jobs.job_attempts (job_id, attempt, worker, started_at, finished_at, outcome)
            SELECT j.id, j.attempt, o.worker, coalesce(j.claimed_at, now()), now(), 'cancelled'
            FROM unnest(?::bigint[], ?::int[], ?::text[], ?::text[]) AS o(id, attempt, worker, expected)
            JOIN jobs.jobs j ON j.id = o.id AND j.attempt = o.attempt AND j.status = o.expected
            ON CONFLICT (job_id, attempt) DO UPDATE SET finished_at = excluded.finished_at, outcome = 'cancelled'
            WHERE job_attempts.finished_at IS NULL""";

    // Primary-key driven like COMPLETE, for the same reason: one heartbeat once joined all running rows (seconds).
    private static final String HEARTBEAT = """
            UPDATE jobs.jobs j SET lease_until = now() + make_interval(secs => ?)
            FROM unnest(?::bigint[], ?::int[], ?::text[]) AS h(id, attempt, expected)
            WHERE j.id = h.id AND j.attempt = h.attempt AND j.status = h.expected
            RETURNING j.id""";

    private static final String RESCUE = """
            WITH expired AS (
                SELECT id, locked_by, claimed_at FROM jobs.jobs WHERE status = 'running' AND lease_until < now()
                ORDER BY lease_until LIMIT ? FOR UPDATE SKIP LOCKED),
            rescued AS (
                UPDATE jobs.jobs j
                SET status = CASE WHEN j.attempt - j.snoozes >= j.max_attempts THEN 'dead' ELSE 'available' END,
                    finished_at = CASE WHEN j.attempt - j.snoozes >= j.max_attempts THEN now() END,
                    run_at = now(), lease_until = NULL, locked_by = NULL, updated_at = now(),
                    last_error = 'lease expired: worker ' || coalesce(j.locked_by, '?') || ' stopped heartbeating'
                FROM expired WHERE j.id = expired.id
                RETURNING j.id, j.attempt, j.status, expired.locked_by, expired.claimed_at),
            abandoned AS (
                INSERT INTO jobs.job_attempts (job_id, attempt, worker, started_at, finished_at, outcome, error_class)
                SELECT id, attempt, locked_by, coalesce(claimed_at, now()), now(), 'abandoned', 'LEASE_EXPIRED' FROM rescued
                ON CONFLICT (job_id, attempt) DO UPDATE
                SET finished_at = excluded.finished_at, outcome = 'abandoned', error_class = 'LEASE_EXPIRED'
                WHERE job_attempts.finished_at IS NULL)
            SELECT count(*) FILTER (WHERE status = 'available'), count(*) FILTER (WHERE status = 'dead') FROM rescued""";

    /**
     * One step of pruning along the primary key (no index of finished jobs is kept for it: see V7): reads the next
     * {@code limit} jobs after the cursor, deletes those finished before the cutoff, with their attempts (no foreign
     * key cascades them: see V5). The status and finish time are tested on the row being deleted, so a job retried
     * meanwhile stays. Answers what went, where the step ended and how many of the rows read were created before
     * the cutoff: when none was, nothing further along can be prunable either (a job finishes after it is created,
     * and ids follow creation).
     */
    private static final String PRUNE = """
            WITH batch AS (
                SELECT id, created_at FROM jobs.jobs WHERE id > ? ORDER BY id LIMIT ?),
            gone AS (
                DELETE FROM jobs.jobs j USING batch b
                WHERE j.id = b.id AND j.status IN ('succeeded', 'dead', 'cancelled')
                  AND j.finished_at < now() - make_interval(secs => ?)
                RETURNING j.id),
            attempts AS (
                DELETE FROM jobs.job_attempts WHERE job_id IN (SELECT id FROM gone))
            SELECT (SELECT count(*) FROM gone), (SELECT count(*) FROM batch), (SELECT max(id) FROM batch),
                   (SELECT count(*) FROM batch WHERE created_at < now() - make_interval(secs => ?))""";

    private final JdbcRunner jdbc;

    JobStore(JdbcRunner jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Inserts one job, or finds the one holding its dedupe key. With a key the INSERT ... ON CONFLICT is idempotent
     * and retried as a statement; without one it runs as a transaction, so a lost COMMIT is never blindly rerun.
     */
    public Enqueued insert(Row row) {
        if (row.dedupeKey() == null) {
            return jdbc.inTransaction("jobs-enqueue", c -> insertOne(c, row));
        }
        return jdbc.statement("jobs-enqueue", c -> insertOne(c, row));
    }

    private static Enqueued insertOne(Connection c, Row row) throws SQLException {
        // A conflicting row can be pruned between our INSERT and SELECT; then the INSERT is simply tried again.
        for (int round = 0; ; round++) {
            try (PreparedStatement st = c.prepareStatement(INSERT_ONE)) {
                st.setString(1, row.type());
                st.setObject(2, row.workspaceId());
                st.setString(3, row.payload());
                st.setString(4, row.dedupeKey());
                // ISO text with its offset: no driver or session time zone gets a say.
                st.setString(5, row.runAt() == null ? null : row.runAt().toString());
                st.setInt(6, row.priority());
                st.setInt(7, row.maxAttempts());
                try (ResultSet rs = st.executeQuery()) {
                    // No row back (never null) is the conflict: the key's job exists already.
                    if (rs.next()) {
                        return new Enqueued(rs.getLong(1), true, JobState.ofColumn(rs.getString(2)));
                    }
                }
            }
            Map<String, Enqueued> existing = existing(c, List.of(row.dedupeKey()));
            Enqueued found = existing.get(row.dedupeKey());
            if (found != null || round >= 2) {
                if (found == null) {
                    throw new IllegalStateException("job with dedupe key neither inserted nor found");
                }
                return found;
            }
        }
    }

    /** Inserts many jobs in one transaction; answers in input order, a repeated key answering with the first's job. */
    public List<Enqueued> insertAll(List<Row> rows) {
        if (rows.isEmpty()) {
            return List.of();
        }
        return jdbc.inTransaction("jobs-enqueue-bulk", c -> insertAll(c, rows));
    }

    private static List<Enqueued> insertAll(Connection c, List<Row> rows) throws SQLException {
        int n = rows.size();
        // Ids taken up front tell which input rows the INSERT kept, whatever order RETURNING comes back in.
        Long[] ids = new Long[n];
        // The sequence is looked up once (a materialized CTE), not once per id: that lookup cost several times the nextval.
        try (PreparedStatement st = c.prepareStatement("""
                WITH s AS MATERIALIZED (SELECT pg_get_serial_sequence('jobs.jobs', 'id')::regclass AS seq)
                SELECT nextval(s.seq) FROM s, generate_series(1, ?)""")) {
            st.setInt(1, n);
            try (ResultSet rs = st.executeQuery()) {
                for (int i = 0; rs.next(); i++) {
                    ids[i] = rs.getLong(1);
                }
            }
        }
        String[] types = new String[n];
        UUID[] workspaces = new UUID[n];
        String[] payloads = new String[n];
        String[] keys = new String[n];
        String[] runAts = new String[n];
        Integer[] priorities = new Integer[n];
        Integer[] maxAttempts = new Integer[n];
        for (int i = 0; i < n; i++) {
            Row r = rows.get(i);
            types[i] = r.type();
            workspaces[i] = r.workspaceId();
            payloads[i] = r.payload();
            keys[i] = r.dedupeKey();
            runAts[i] = r.runAt() == null ? null : r.runAt().toString();
            priorities[i] = r.priority();
            maxAttempts[i] = r.maxAttempts();
        }
        Set<Long> inserted = new HashSet<>();
        try (PreparedStatement st = c.prepareStatement("""
                INSERT INTO jobs.jobs (id, type, workspace_id, payload, dedupe_key, run_at, priority, max_attempts)
                OVERRIDING SYSTEM VALUE
                SELECT id, type, ws, payload::jsonb, key, coalesce(run_at, now()), priority, max_attempts
                FROM unnest(?::bigint[], ?::text[], ?::uuid[], ?::text[], ?::text[], ?::text[]::timestamptz[], ?::smallint[],
                            ?::int[]) WITH ORDINALITY
                    AS r(id, type, ws, payload, key, run_at, priority, max_attempts, ord)
                ORDER BY ord
                ON CONFLICT (dedupe_key) WHERE dedupe_key IS NOT NULL DO NOTHING
                RETURNING id""")) {
            st.setArray(1, c.createArrayOf("bigint", ids));
            st.setArray(2, c.createArrayOf("text", types));
            st.setArray(3, c.createArrayOf("uuid", workspaces));
            st.setArray(4, c.createArrayOf("text", payloads));
            st.setArray(5, c.createArrayOf("text", keys));
            st.setArray(6, c.createArrayOf("text", runAts));
            st.setArray(7, c.createArrayOf("int2", priorities));
            st.setArray(8, c.createArrayOf("int4", maxAttempts));
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    inserted.add(rs.getLong(1));
                }
            }
        }
        List<String> missing = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            if (!inserted.contains(ids[i])) {
                missing.add(keys[i]);
            }
        }
        Map<String, Enqueued> existing = missing.isEmpty() ? Map.of() : existing(c, missing);
        List<Enqueued> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (inserted.contains(ids[i])) {
                out.add(new Enqueued(ids[i], true, JobState.AVAILABLE));
            } else {
                Enqueued found = existing.get(keys[i]);
                if (found == null) {
                    throw new IllegalStateException("bulk job neither inserted nor found by its dedupe key");
                }
                out.add(found);
            }
        }
        return out;
    }

    private static Map<String, Enqueued> existing(Connection c, List<String> keys) throws SQLException {
        try (PreparedStatement st = c.prepareStatement(
                "SELECT dedupe_key, id, status FROM jobs.jobs WHERE dedupe_key = ANY (?::text[])")) {
            st.setArray(1, c.createArrayOf("text", keys.toArray()));
            Map<String, Enqueued> out = new HashMap<>();
            try (ResultSet rs = st.executeQuery()) {
                while (rs.next()) {
                    out.put(rs.getString(1), new Enqueued(rs.getLong(2), false, JobState.ofColumn(rs.getString(3))));
                }
            }
            return out;
        }
    }

    /**
     * Claims up to {@code limit} due jobs for {@code worker}, in one statement (the attempt's row is written when it
     * ends; meanwhile the job's {@code claimed_at} and {@code locked_by} say when and where it started). Rerun after
     * a lost connection it may leave a batch claimed that nobody runs: those come back when their lease runs out.
     */
    public List<ClaimedJob> claim(int limit, Duration lease, String worker) {
        return jdbc.list("jobs-claim", CLAIM, st -> {
            st.setInt(1, limit);
            st.setDouble(2, lease.toMillis() / 1000.0);
            st.setString(3, worker);
        }, rs -> new ClaimedJob(rs.getLong(1), rs.getString(2), rs.getObject(3, UUID.class), rs.getString(4),
                rs.getInt(5), rs.getInt(6), rs.getInt(7), worker));
    }

    /** Writes the outcomes whose claim still holds; returns the ids written (the others were fenced off). */
    public Set<Long> complete(List<AttemptOutcome> outcomes) {
        int n = outcomes.size();
        long[] ids = new long[n];
        int[] attempts = new int[n];
        String[] statuses = new String[n];
        String[] kinds = new String[n];
        double[] delays = new double[n];
        String[] results = new String[n];
        String[] errorClasses = new String[n];
        String[] errors = new String[n];
        int[] snoozed = new int[n];
        String[] workers = new String[n];
        for (int i = 0; i < n; i++) {
            AttemptOutcome o = outcomes.get(i);
            ids[i] = o.id();
            attempts[i] = o.attempt();
            statuses[i] = o.status().column();
            kinds[i] = o.outcome().column();
            delays[i] = o.delay().toMillis() / 1000.0;
            results[i] = o.result();
            errorClasses[i] = o.errorClass();
            errors[i] = o.error();
            snoozed[i] = o.snoozed() ? 1 : 0;
            workers[i] = o.worker();
        }
        return jdbc.query("jobs-complete", COMPLETE, st -> {
            planEachTime(st);
            PgConnection pg = st.getConnection().unwrap(PgConnection.class);
            st.setArray(1, pg.createArrayOf("int8", ids));
            st.setArray(2, pg.createArrayOf("int4", attempts));
            st.setArray(3, pg.createArrayOf("text", statuses));
            st.setArray(4, pg.createArrayOf("text", kinds));
            st.setArray(5, pg.createArrayOf("float8", delays));
            st.setArray(6, pg.createArrayOf("text", results));
            st.setArray(7, pg.createArrayOf("text", errorClasses));
            st.setArray(8, pg.createArrayOf("text", errors));
            st.setArray(9, pg.createArrayOf("int4", snoozed));
            st.setArray(10, pg.createArrayOf("text", workers));
            st.setArray(11, pg.createArrayOf("text", running(n)));
        }, JobStore::ids);
    }

    /** Closes as {@code cancelled} the attempts of outcomes the fence refused whose job was cancelled meanwhile. */
    public void closeCancelled(List<AttemptOutcome> refused) {
        int n = refused.size();
        Long[] ids = new Long[n];
        Integer[] attempts = new Integer[n];
        String[] workers = new String[n];
        String[] cancelled = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = refused.get(i).id();
            attempts[i] = refused.get(i).attempt();
            workers[i] = refused.get(i).worker();
            cancelled[i] = AttemptEnd.CANCELLED.column();
        }
        jdbc.update("jobs-close-cancelled", CLOSE_CANCELLED, st -> {
            planEachTime(st);
            Connection c = st.getConnection();
            st.setArray(1, c.createArrayOf("bigint", ids));
            st.setArray(2, c.createArrayOf("int4", attempts));
            st.setArray(3, c.createArrayOf("text", workers));
            st.setArray(4, c.createArrayOf("text", cancelled));
        });
    }

    /** Extends the leases of running attempts; returns the ids still held (the others were rescued or cancelled). */
    public Set<Long> heartbeat(Long[] ids, Integer[] attempts, Duration lease) {
        return jdbc.query("jobs-heartbeat", HEARTBEAT, st -> {
            planEachTime(st);
            Connection c = st.getConnection();
            st.setDouble(1, lease.toMillis() / 1000.0);
            st.setArray(2, c.createArrayOf("bigint", ids));
            st.setArray(3, c.createArrayOf("int4", attempts));
            st.setArray(4, c.createArrayOf("text", running(ids.length)));
        }, JobStore::ids);
    }

    /** Hands jobs whose lease ran out back to the queue (or dead, when that was their last attempt). */
    public Rescued rescueExpired(int limit) {
        return jdbc.query("jobs-rescue", RESCUE, st -> st.setInt(1, limit), rs -> {
            rs.next();
            return new Rescued(rs.getInt(1), rs.getInt(2));
        });
    }

    /** What one pruning step did: jobs deleted, rows read, the last id read (the next cursor), rows old enough. */
    public record PruneStep(int deleted, int read, long lastId, int old) {
        /** Whether rows further along the primary key may still be prunable. */
        public boolean more(int limit) {
            return read == limit && old > 0;
        }
    }

    /** Reads up to {@code limit} jobs after {@code afterId} and deletes those finished more than {@code maxAge} ago. */
    public PruneStep prune(long afterId, Duration maxAge, int limit) {
        double seconds = maxAge.toMillis() / 1000.0;
        return jdbc.query("jobs-prune", PRUNE, st -> {
            st.setLong(1, afterId);
            st.setInt(2, limit);
            st.setDouble(3, seconds);
            st.setDouble(4, seconds);
        }, rs -> {
            rs.next();
            long last = rs.getLong(3);
            return new PruneStep(rs.getInt(1), rs.getInt(2), rs.wasNull() ? afterId : last, rs.getInt(4));
        });
    }

    /**
     * Has the statement planned with its batch's own arrays on every call (the driver's unnamed statement), never
     * with a cached generic plan: one made while the table was small (a seq scan hash-joined to the batch) is kept
     * however large the table grows, and costs a full scan per batch from then on.
     */
    private static void planEachTime(PreparedStatement st) throws SQLException {
        st.unwrap(PGStatement.class).setPrepareThreshold(0);
    }

    private static String[] running(int n) {
        String[] out = new String[n];
        Arrays.fill(out, JobState.RUNNING.column());
        return out;
    }

    private static Set<Long> ids(ResultSet rs) throws SQLException {
        Set<Long> out = new HashSet<>();
        while (rs.next()) {
            out.add(rs.getLong(1));
        }
        return out;
    }
}
