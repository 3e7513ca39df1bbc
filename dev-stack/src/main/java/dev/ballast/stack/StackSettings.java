package dev.ballast.stack;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The launcher's knobs, all from the environment.
 *
 * @param externalDatabase set when DATABASE_URL is given: no embedded PostgreSQL then
 * @param readyTimeout     STACK_READY_TIMEOUT: how long {@code up} waits for every service to be ready
 * @param stopGrace        STACK_STOP_GRACE: how long a service gets between SIGTERM and SIGKILL
 * @param javaOpts         JAVA_OPTS: extra flags for the service JVMs, after the launcher's own
 * @param pgPort           STACK_PG_PORT: the embedded PostgreSQL's port
 * @param aot              STACK_AOT: whether service JVMs use (and first record) an AOT cache
 */
record StackSettings(Optional<DbConnection> externalDatabase, Duration readyTimeout, Duration stopGrace,
                     List<String> javaOpts, int pgPort, boolean aot) {

    static final int DEFAULT_PG_PORT = 55432;

    static StackSettings from(Map<String, String> env) {
        Optional<DbConnection> external = Optional.ofNullable(blankToNull(env.get("DATABASE_URL")))
                .map(url -> new DbConnection(url, env.getOrDefault("DATABASE_USER", ""),
                        env.getOrDefault("DATABASE_PASSWORD", ""), false));
        return new StackSettings(
                external,
                seconds(env, "STACK_READY_TIMEOUT", 60),
                seconds(env, "STACK_STOP_GRACE", 15),
                Optional.ofNullable(blankToNull(env.get("JAVA_OPTS")))
                        .map(opts -> Arrays.asList(opts.trim().split("\\s+")))
                        .orElse(List.of()),
                integer(env, "STACK_PG_PORT", DEFAULT_PG_PORT),
                !"off".equalsIgnoreCase(env.getOrDefault("STACK_AOT", "on").trim()));
    }

    private static Duration seconds(Map<String, String> env, String name, int defaultSeconds) {
        String raw = blankToNull(env.get(name));
        if (raw == null) {
            return Duration.ofSeconds(defaultSeconds);
        }
        String digits = raw.trim().endsWith("s") ? raw.trim().substring(0, raw.trim().length() - 1) : raw.trim();
        try {
            long value = Long.parseLong(digits);
            if (value <= 0) {
                throw new NumberFormatException();
            }
            return Duration.ofSeconds(value);
        } catch (NumberFormatException e) {
            throw new StackException(name + " must be a positive number of seconds, not '" + raw + "'");
        }
    }

    private static int integer(Map<String, String> env, String name, int defaultValue) {
        String raw = blankToNull(env.get(name));
        if (raw == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(raw.trim());
            if (value < 1 || value > 65535) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw new StackException(name + " must be a TCP port, not '" + raw + "'");
        }
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
