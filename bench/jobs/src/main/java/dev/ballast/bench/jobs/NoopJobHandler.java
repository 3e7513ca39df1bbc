package dev.ballast.bench.jobs;

import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobHandler;
import dev.ballast.jobs.queue.JobOutcome;
import jakarta.inject.Singleton;

/** The bench's job type for jobs-service: records that the job started, and nothing else. */
@Singleton
final class NoopJobHandler implements JobHandler {

    @Override
    public String type() {
        return JobsServiceContender.TYPE;
    }

    @Override
    public JobOutcome handle(JobContext job) {
        Tally.record(job.payload().get("p").getIntValue(), job.payload().get("i").getIntValue());
        return JobOutcome.succeeded();
    }
}
