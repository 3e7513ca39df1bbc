package dev.ballast.jobs.api;

import io.micronaut.serde.annotation.Serdeable;

/** The answer to an enqueue: the job's id (as a string), its status now, and whether this call created it. */
@Serdeable
public record JobReceipt(String jobId, String status, boolean created) {
}
