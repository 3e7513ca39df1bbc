package dev.ballast.webhook.intake;

/** Where a delivery's message ended up; {@code inserted} is false for a duplicate. */
public record StoreResult(long messageId, long leadId, boolean inserted) {
}
