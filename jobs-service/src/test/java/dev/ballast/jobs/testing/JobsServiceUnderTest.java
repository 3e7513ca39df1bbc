package dev.ballast.jobs.testing;

import dev.ballast.jobs.queue.JobState;
import dev.ballast.testsupport.ServiceUnderTest;
import io.micronaut.context.ApplicationContextBuilder;

import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * jobs-service started for real on a fresh PostgreSQL database, driven over HTTP and inspected with SQL. One per
 * test class. It starts no queue workers: the features under test are called directly or through their endpoints.
 */
public final class JobsServiceUnderTest extends ServiceUnderTest {

    public static final String ADMIN_TOKEN = "test-admin-token";
    public static final String SERVICE_TOKEN = "test-service-token";

    private JobsServiceUnderTest(Setup setup) {
        super(setup);
    }

    public static JobsServiceUnderTest start(Map<String, Object> properties) {
        return start(properties, builder -> { });
    }

    /** {@code customize} can register singletons (a clock) before the context starts. */
    public static JobsServiceUnderTest start(Map<String, Object> properties,
                                             Consumer<ApplicationContextBuilder> customize) {
        return new JobsServiceUnderTest(setup().freshDatabase().properties(Map.of(
                "ballast.jobs.admin-token", ADMIN_TOKEN,
                "ballast.jobs.workflows.service-token", SERVICE_TOKEN,
                "ballast.jobs.admin.stats-enabled", "false",
                "ballast.jobs.periodic.enabled", "false",
                // These tests look at rows they insert; resident workers claiming them would race the assertions.
                "ballast.jobs.workers.enabled", "false",
                "ballast.jobs.service-token", SERVICE_TOKEN)).properties(properties).customize(customize));
    }

    /** Inserts a job row as the queue would have left it in {@code status}, and answers its id. */
    public long insertJob(String type, UUID workspace, String status, int attempt, int maxAttempts) {
        return TestJob.of(type).workspace(workspace).stored(JobState.ofColumn(status), attempt).maxAttempts(maxAttempts)
                .insert(this);
    }
}
