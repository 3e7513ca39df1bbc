package dev.ballast.bench.jobs;

import com.zaxxer.hikari.HikariDataSource;
import org.jobrunr.configuration.JobRunr;
import org.jobrunr.configuration.JobRunrConfiguration.JobRunrConfigurationResult;
import org.jobrunr.jobs.lambdas.JobRequest;
import org.jobrunr.jobs.lambdas.JobRequestHandler;
import org.jobrunr.scheduling.JobRequestScheduler;
import org.jobrunr.server.BackgroundJobServer;
import org.jobrunr.storage.StorageProvider;
import org.jobrunr.storage.sql.postgres.PostgresStorageProvider;
import org.jobrunr.utils.mapper.jackson.JacksonJsonMapper;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.stream.IntStream;

import static org.jobrunr.server.BackgroundJobServerConfiguration.usingStandardBackgroundJobServerConfiguration;

/**
 * JobRunr (open source) on its PostgreSQL storage provider, with jobs as {@link JobRequest}s (no lambda analysis) and
 * the handler handed out by a {@code JobActivator}, the documented way to give a handler its collaborators.
 * The poll interval is the smallest JobRunr accepts for a SQL store: it rejects anything under 5 s (only the
 * in-memory store goes down to 200 ms; sub-second pick-up is a JobRunr Pro feature). Between polls a worker that
 * finishes a job fetches the next ones at once, so a backlog drains without waiting for the poll.
 */
final class JobRunrContender implements Contender {

    private final HikariDataSource dataSource;
    private final int workers;
    private final Duration pollInterval;
    private StorageProvider storage;
    private BackgroundJobServer server;
    private JobRequestScheduler scheduler;

    JobRunrContender(HikariDataSource dataSource, int workers, Duration pollInterval) {
        this.dataSource = dataSource;
        this.workers = workers;
        this.pollInterval = pollInterval;
    }

    @Override
    public String name() {
        return "jobrunr";
    }

    @Override
    public String database() {
        String url = dataSource.getJdbcUrl();
        return url.substring(url.lastIndexOf('/') + 1);
    }

    @Override
    public String settings() {
        return "JobRunr 8.7.0: PostgresStorageProvider, JacksonJsonMapper, workerCount=" + workers
                + " (default thread type: virtual threads on Java 21+), pollInterval=" + pollInterval.toSeconds()
                + " s (smallest allowed for a SQL store), JobRequest + JobActivator, pool="
                + dataSource.getMaximumPoolSize();
    }

    @Override
    public void start() {
        storage = new PostgresStorageProvider(dataSource);
        JobRunrConfigurationResult result = JobRunr.configure()
                .useJsonMapper(new JacksonJsonMapper())
                .useJobActivator(new NoopActivator())
                .useStorageProvider(storage)
                .useBackgroundJobServer(usingStandardBackgroundJobServerConfiguration()
                        .andWorkerCount(workers)
                        .andPollInterval(pollInterval))
                .initialize();
        scheduler = result.getJobRequestScheduler();
        server = JobRunr.getBackgroundJobServer();
    }

    @Override
    public void enqueueBatch(int phase, int first, int count) {
        scheduler.enqueue(IntStream.range(first, first + count).mapToObj(i -> new NoopRequest(phase, i)));
    }

    @Override
    public void enqueueOne(int phase, int job) {
        scheduler.enqueue(new NoopRequest(phase, job));
    }

    @Override
    public long unfinished() throws SQLException {
        return count("SELECT count(*) FROM jobrunr_jobs WHERE state NOT IN ('SUCCEEDED', 'FAILED', 'DELETED')");
    }

    @Override
    public long failed() throws SQLException {
        return count("SELECT count(*) FROM jobrunr_jobs WHERE state = 'FAILED' OR jobAsJson LIKE '%FAILED%'");
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
        if (server != null) {
            server.stop();
        }
        if (storage != null) {
            storage.close();
        }
        dataSource.close();
    }

    /** The job: which phase and which job number it is. Jackson writes and reads the fields. */
    public static final class NoopRequest implements JobRequest {
        private int phase;
        private int job;

        @SuppressWarnings("unused") // Jackson
        private NoopRequest() {
        }

        NoopRequest(int phase, int job) {
            this.phase = phase;
            this.job = job;
        }

        @Override
        public Class<NoopHandler> getJobRequestHandler() {
            return NoopHandler.class;
        }
    }

    /** Records that the job started, and nothing else. */
    public static final class NoopHandler implements JobRequestHandler<NoopRequest> {
        @Override
        public void run(NoopRequest request) {
            Tally.record(request.phase, request.job);
        }
    }

    private static final class NoopActivator implements org.jobrunr.server.JobActivator {
        private final NoopHandler handler = new NoopHandler();

        @Override
        public <T> T activateJob(Class<T> type) {
            return type == NoopHandler.class ? type.cast(handler) : null;
        }
    }
}
