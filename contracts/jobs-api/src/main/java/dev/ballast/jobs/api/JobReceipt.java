package dev.ballast.jobs.queue;

import io.micronaut.serde.annotation.Serdeable;

/** The answer to an enqueue: the job's id (as a string), its status now, and whether this call created it. */
@Serdeable
public record JobReceipt(String jobId, String status, boolean created) {

    static JobReceipt of(JobQueue.Enqueued e) {
        return new JobReceipt(Long.toString(e.id()), e.status(), e.created());
    }
}
