package dev.ballast.webhook.messages;

import io.micronaut.core.annotation.Introspected;

import java.time.Instant;

/** An annotation as stored; {@code value} is JSON text. */
@Introspected
public record AnnotationRow(String kind, String value, Instant updatedAt) {
}
