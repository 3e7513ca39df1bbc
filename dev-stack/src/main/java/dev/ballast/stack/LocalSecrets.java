package dev.ballast.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The secrets a local stack needs (admin and service tokens, the key that encrypts signing secrets):
 * generated once into {@code .stack/secrets.env} (owner-only), so that restarts keep working workspaces.
 * A value already in the launcher's environment wins and is not written down.
 */
final class LocalSecrets {

    static final List<String> NAMES = List.of("WEBHOOK_ADMIN_TOKEN", "WEBHOOK_SERVICE_TOKEN", "WEBHOOK_SECRET_KEY",
            "JOBS_SERVICE_TOKEN", "JOBS_ADMIN_TOKEN", "JOBS_CRON_TOKEN", "INTEGRATIONS_SERVICE_TOKEN",
            "INTEGRATIONS_ADMIN_TOKEN", "INTEGRATIONS_CRON_TOKEN", "INTEGRATIONS_SECRET_KEY", "INSIGHTS_SERVICE_TOKEN",
            "INSIGHTS_CRON_TOKEN");
    /** A caller's copy of another service's token: the name the caller reads, and the secret it must equal. */
    static final Map<String, String> ALIASES = Map.of("JOBS_WEBHOOK_SERVICE_TOKEN", "WEBHOOK_SERVICE_TOKEN",
            "JOBS_INTEGRATIONS_SERVICE_TOKEN", "INTEGRATIONS_SERVICE_TOKEN",
            "INSIGHTS_WEBHOOK_SERVICE_TOKEN", "WEBHOOK_SERVICE_TOKEN",
            "INSIGHTS_INTEGRATIONS_SERVICE_TOKEN", "INTEGRATIONS_SERVICE_TOKEN");
    private static final SecureRandom RANDOM = new SecureRandom();

    private LocalSecrets() {
    }

    static Map<String, String> loadOrCreate(Path file, Map<String, String> environment) {
        try {
            Map<String, String> stored = read(file);
            boolean changed = false;
            for (String name : NAMES) {
                if (!stored.containsKey(name)) {
                    stored.put(name, generate(name));
                    changed = true;
                }
            }
            if (changed) {
                write(file, stored);
            }
            Map<String, String> effective = new LinkedHashMap<>(stored);
            for (String name : NAMES) {
                String given = environment.get(name);
                if (given != null && !given.isBlank()) {
                    effective.put(name, given);
                }
            }
            ALIASES.forEach((alias, name) -> effective.put(alias, effective.get(name)));
            return effective;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot keep local secrets in " + file, e);
        }
    }

    private static String generate(String name) {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        // The secret key is read as base64 of exactly 32 bytes; tokens just need to be unguessable.
        return name.endsWith("_KEY") ? Base64.getEncoder().encodeToString(bytes)
                : Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static Map<String, String> read(Path file) throws IOException {
        Map<String, String> values = new LinkedHashMap<>();
        if (Files.exists(file)) {
            for (String line : Files.readAllLines(file)) {
                int eq = line.indexOf('=');
                if (eq > 0 && !line.startsWith("#")) {
                    values.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim());
                }
            }
        }
        return values;
    }

    private static void write(Path file, Map<String, String> values) throws IOException {
        Files.createDirectories(file.getParent());
        StringBuilder text = new StringBuilder("# Local-only secrets for ./stack; never commit or reuse them.\n");
        values.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, text);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
}
