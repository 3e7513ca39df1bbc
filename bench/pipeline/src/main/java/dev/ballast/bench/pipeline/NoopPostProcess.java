package dev.ballast.bench.pipeline;

import dev.ballast.jobs.handlers.EmailInboundPostProcess;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobHandler;
import dev.ballast.jobs.queue.JobOutcome;
import io.micronaut.context.annotation.Replaces;
import jakarta.inject.Singleton;

/**
 * The bench's jobs-service runs this instead of the real post-process: the pipeline bench measures how soon a
 * stored delivery becomes a started job, not what the job then does (it would call other services and an LLM).
 */
@Singleton
@Replaces(EmailInboundPostProcess.class)
final class NoopPostProcess implements JobHandler {

    @Override
    public String type() {
        return "email-inbound-post-process";
    }

    @Override
    public JobOutcome handle(JobContext job) {
        return JobOutcome.succeeded();
    }
}
