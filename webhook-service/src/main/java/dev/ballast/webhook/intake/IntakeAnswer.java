package dev.ballast.webhook.intake;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/** The 200 answer to a delivery: {@code accepted}, {@code duplicate} (both with the message id) or {@code ignored}. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IntakeAnswer(String status, @Nullable Long messageId, @Nullable String event) {
}
