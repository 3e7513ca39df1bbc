package dev.ballast.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LocalSecretsTest {

    @Test
    void secretsAreGeneratedOnceKeptPrivateAndReusedOnRestart(@TempDir Path dir) throws Exception {
        Path file = dir.resolve(".stack/secrets.env");
        Map<String, String> first = LocalSecrets.loadOrCreate(file, Map.of());
        Map<String, String> second = LocalSecrets.loadOrCreate(file, Map.of());

        assertThat(first.keySet()).containsAll(LocalSecrets.NAMES).containsAll(LocalSecrets.ALIASES.keySet())
                .hasSize(LocalSecrets.NAMES.size() + LocalSecrets.ALIASES.size());
        assertThat(first.get("JOBS_WEBHOOK_SERVICE_TOKEN")).isEqualTo(first.get("WEBHOOK_SERVICE_TOKEN"));
        assertThat(Files.readString(file)).doesNotContain("JOBS_WEBHOOK_SERVICE_TOKEN");
        assertThat(second).isEqualTo(first);
        assertThat(Base64.getDecoder().decode(first.get("WEBHOOK_SECRET_KEY"))).hasSize(32);
        assertThat(first.get("WEBHOOK_ADMIN_TOKEN")).isNotEqualTo(first.get("WEBHOOK_SERVICE_TOKEN"));
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
    }

    @Test
    void aValueFromTheEnvironmentWinsAndIsNotWrittenDown(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("secrets.env");
        Map<String, String> effective = LocalSecrets.loadOrCreate(file, Map.of("WEBHOOK_ADMIN_TOKEN", "from-env"));
        assertThat(effective).containsEntry("WEBHOOK_ADMIN_TOKEN", "from-env");
        assertThat(Files.readString(file)).doesNotContain("from-env");
    }
}
