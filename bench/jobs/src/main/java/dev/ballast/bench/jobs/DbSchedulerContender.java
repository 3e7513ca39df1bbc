package dev.ballast.bench.jobs;

import com.github.kagkarlsson.scheduler.Scheduler;
import com.github.kagkarlsson.scheduler.SchedulerName;
import com.github.kagkarlsson.scheduler.task.TaskInstance;
import com.github.kagkarlsson.scheduler.task.helper.OneTimeTask;
import com.github.kagkarlsson.scheduler.task.helper.Tasks;
import com.zaxxer.hikari.HikariDataSource;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * db-scheduler with its high-throughput settings: polling strategy lock-and-fetch ({@code SELECT ... FOR UPDATE SKIP
 * LOCKED}, rows come back already picked) with the README's "keep threads busy" fractions, and immediate execution
 * so a job scheduled for now starts without waiting for the next poll. Jobs are one-time tasks whose instance id is
 * {@code phase:job}; a finished one-time task's row is deleted.
 */
final class DbSchedulerContender implements Contender {

    private final HikariDataSource dataSource;
    private final int threads;
    private final double lowerLimitFractionOfThreads;
    private final double upperLimitFractionOfThreads;
    private final Duration pollingInterval;
    private final OneTimeTask<Void> noop;
    private Scheduler scheduler;

    DbSchedulerContender(HikariDataSource dataSource, int threads, double lowerLimitFractionOfThreads,
                         double upperLimitFractionOfThreads, Duration pollingInterval) {
        this.dataSource = dataSource;
        this.threads = threads;
        this.lowerLimitFractionOfThreads = lowerLimitFractionOfThreads;
        this.upperLimitFractionOfThreads = upperLimitFractionOfThreads;
        this.pollingInterval = pollingInterval;
        this.noop = Tasks.oneTime("noop").execute((instance, ctx) -> {
            String id = instance.getId();
            int colon = id.indexOf(':');
            Tally.record(Integer.parseInt(id, 0, colon, 10), Integer.parseInt(id, colon + 1, id.length(), 10));
        });
    }

    @Override
    public String name() {
        return "dbscheduler";
    }

    @Override
    public String database() {
        String url = dataSource.getJdbcUrl();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    @Override
    public String settings() {
        return "db-scheduler 16.12.0: threads=" + threads + ", pollUsingLockAndFetch(" + lowerLimitFractionOfThreads
                + ", " + upperLimitFractionOfThreads + ") (README: 1.0, 4.0 for high throughput), enableImmediateExecution,"
                + " pollingInterval=" + pollingInterval.toMillis() + " ms, pool=" + dataSource.getMaximumPoolSize();
    }

    @Override
    public void start() throws SQLException {
        createTable();
        scheduler = Scheduler.create(dataSource, noop)
                .schedulerName(new SchedulerName.Fixed("bench"))
                .threads(threads)
                .pollUsingLockAndFetch(lowerLimitFractionOfThreads, upperLimitFractionOfThreads)
                .enableImmediateExecution()
                .pollingInterval(pollingInterval)
                .build();
        scheduler.start();
    }

    // The table of db-scheduler's PostgreSQL definition (postgresql_tables.sql of the project).
    private void createTable() throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement()) {
            st.execute("""
                    CREATE TABLE IF NOT EXISTS scheduled_tasks (
                        task_name            text                     NOT NULL,
                        task_instance        text                     NOT NULL,
                        task_data            bytea,
                        execution_time       timestamp with time zone NOT NULL,
                        picked               boolean                  NOT NULL,
                        picked_by            text,
                        last_success         timestamp with time zone,
                        last_failure         timestamp with time zone,
                        consecutive_failures int,
                        last_heartbeat       timestamp with time zone,
                        version              bigint                   NOT NULL,
                        priority             smallint,
                        PRIMARY KEY (task_name, task_instance)
                    )""");
            st.execute("CREATE INDEX IF NOT EXISTS execution_time_idx ON scheduled_tasks (execution_time)");
            st.execute("CREATE INDEX IF NOT EXISTS last_heartbeat_idx ON scheduled_tasks (last_heartbeat)");
            st.execute("CREATE INDEX IF NOT EXISTS priority_execution_time_idx"
                    + " ON scheduled_tasks (priority DESC, execution_time ASC)");
        }
    }

    @Override
    public void enqueueBatch(int phase, int first, int count) {
        List<TaskInstance<?>> batch = new ArrayList<>(count);
        for (int i = first; i < first + count; i++) {
            batch.add(noop.instance(phase + ":" + i));
        }
        scheduler.scheduleBatch(batch, Instant.now());
    }

    @Override
    public void enqueueOne(int phase, int job) {
        scheduler.schedule(noop.instance(phase + ":" + job), Instant.now());
    }

    @Override
    public long unfinished() throws SQLException {
        return count("SELECT count(*) FROM scheduled_tasks");
    }

    @Override
    public long failed() throws SQLException {
        return count("SELECT count(*) FROM scheduled_tasks WHERE last_failure IS NOT NULL");
    }

    private long count(String sql) throws SQLException {
        try (Connection c = dataSource.getConnection(); Statement st = c.createStatement();
             ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public void close() {
        if (scheduler != null) {
            scheduler.stop();
        }
        dataSource.close();
    }
}
