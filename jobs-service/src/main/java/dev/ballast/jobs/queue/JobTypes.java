package dev.ballast.jobs.queue;

import dev.ballast.resilience.Backoff;
import io.micronaut.context.env.Environment;
import io.micronaut.context.exceptions.ConfigurationException;
import jakarta.inject.Singleton;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Per-type knobs: {@code ballast.jobs.types.<type>.{max-attempts,timeout,backoff-base,backoff-cap}}, each falling
 * back to {@code ballast.jobs.defaults.*}. Types are lower-case kebab names, so each is a plain property key.
 */
@Singleton
public final class JobTypes {

    /** What a job type may be called: it is a property key and a metrics tag. */
    public static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9_-]{0,99}");

    /** The settings one type runs under. */
    public record TypeSettings(int maxAttempts, Duration timeout, Backoff backoff) {
    }

    /**
     * How a job whose type no handler here knows is treated: snoozed, and looked at again every {@code recheck},
     * until it has waited {@code patience} (a rolling deploy bringing the handler loses nothing); then dead.
     */
    public record NoHandler(Duration patience, Duration recheck) {
    }

    private final Environment environment;
    private final TypeSettings defaults;
    private final NoHandler noHandler;
    private final Map<String, TypeSettings> byType = new ConcurrentHashMap<>();

    JobTypes(Environment environment) {
        this.environment = environment;
        this.defaults = read("ballast.jobs.defaults.", new TypeSettings(5, Duration.ofMinutes(2),
                new Backoff(Duration.ofSeconds(1), Duration.ofMinutes(10))));
        Duration wait = environment.getProperty("ballast.jobs.no-handler.wait", Duration.class, Duration.ofHours(1));
        Duration recheck = environment.getProperty("ballast.jobs.no-handler.recheck", Duration.class,
                Duration.ofMinutes(1));
        if (wait.isNegative() || recheck.isNegative() || recheck.isZero()) {
            throw new ConfigurationException("ballast.jobs.no-handler.wait must be >= 0 and recheck > 0");
        }
        this.noHandler = new NoHandler(wait, recheck);
    }

    public NoHandler noHandler() {
        return noHandler;
    }

    public TypeSettings settings(String type) {
        return byType.computeIfAbsent(type, t -> NAME.matcher(t).matches()
                ? read("ballast.jobs.types." + t + ".", defaults) : defaults);
    }

    private TypeSettings read(String prefix, TypeSettings fallback) {
        int maxAttempts = environment.getProperty(prefix + "max-attempts", Integer.class, fallback.maxAttempts());
        Duration timeout = environment.getProperty(prefix + "timeout", Duration.class, fallback.timeout());
        Duration base = environment.getProperty(prefix + "backoff-base", Duration.class, fallback.backoff().base());
        Duration cap = environment.getProperty(prefix + "backoff-cap", Duration.class, fallback.backoff().cap());
        if (maxAttempts < 1 || timeout.isNegative() || timeout.isZero()) {
            throw new ConfigurationException(prefix + "max-attempts must be >= 1 and timeout > 0");
        }
        try {
            return new TypeSettings(maxAttempts, timeout, new Backoff(base, cap));
        } catch (IllegalArgumentException e) {
            throw new ConfigurationException(prefix + "backoff-*: " + e.getMessage());
        }
    }
}
