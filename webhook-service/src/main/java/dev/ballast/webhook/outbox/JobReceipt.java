package dev.ballast.webhook.outbox;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** jobs-service's answer to an enqueue; the relay needs only the status code, the rest is for logs. */
@Serdeable
public record JobReceipt(@Nullable String jobId, @Nullable String status) {
}
