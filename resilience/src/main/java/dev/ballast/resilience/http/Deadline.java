package dev.ballast.resilience.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.core.propagation.PropagatedContextElement;

import java.time.Duration;
import java.util.Optional;

/**
 * The moment by which the request that caused our work must be answered. It travels in Micronaut's
 * {@link PropagatedContext} inside a service and in the {@value #HEADER} header (remaining milliseconds) between
 * services, so a retry never outlives the request that wanted it.
 *
 * <pre>{@code
 * try (PropagatedContext.Scope ignored = Deadline.after(Duration.ofSeconds(20)).propagate()) {
 *     client.call(); // every try gets at most what is left of the 20 s
 * }
 * }</pre>
 *
 * @param expiresAtNanos the {@link System#nanoTime()} at which the deadline passes
 */
public record Deadline(long expiresAtNanos) implements PropagatedContextElement {

    /** Remaining budget, in whole milliseconds, of the request that carries it. */
    public static final String HEADER = "X-Ballast-Deadline-Ms";

    /** The longest budget we accept from a header: a bigger number is a bug or an attack, not a deadline. */
    public static final long MAX_HEADER_MILLIS = Duration.ofHours(1).toMillis();

    public static Deadline after(Duration budget) {
        return afterMillis(budget.toMillis());
    }

    public static Deadline afterMillis(long millis) {
        return new Deadline(System.nanoTime() + Math.max(0, millis) * 1_000_000L);
    }

    /** The deadline in the current propagated context, if any. */
    public static Optional<Deadline> current() {
        return PropagatedContext.find().flatMap(ctx -> ctx.find(Deadline.class));
    }

    /**
     * The deadline an inbound {@value #HEADER} value stands for, or {@code null} when the value is missing or not
     * a number. Negative values mean "already expired"; values above {@link #MAX_HEADER_MILLIS} are clamped.
     */
    @Nullable
    public static Deadline fromHeader(@Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            long millis = Long.parseLong(value.trim());
            return afterMillis(Math.min(millis, MAX_HEADER_MILLIS));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    public long remainingMillis() {
        long nanos = expiresAtNanos - System.nanoTime();
        return nanos <= 0 ? 0 : nanos / 1_000_000L;
    }

    public boolean isExpired() {
        return expiresAtNanos - System.nanoTime() <= 0;
    }

    /** The earlier of the two. */
    public Deadline min(@Nullable Deadline other) {
        return other == null || expiresAtNanos - other.expiresAtNanos <= 0 ? this : other;
    }

    /** Puts this deadline into the current propagated context until the scope closes. */
    public PropagatedContext.Scope propagate() {
        return PropagatedContext.getOrEmpty().plus(this).propagate();
    }
}
