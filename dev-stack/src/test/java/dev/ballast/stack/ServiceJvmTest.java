package dev.ballast.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceJvmTest {

    @TempDir
    Path root;

    @Test
    void firstRunRecordsTheAotCacheAndLaterRunsUseIt() throws IOException {
        ServiceSpec service = serviceWithJar();
        ServiceJvm jvm = new ServiceJvm(StackPaths.under(root), settings(Map.of()));

        ServiceJvm.Command first = jvm.command(service);
        assertThat(first.recordsAotCache()).isTrue();
        Path cache = Path.of(option(first, "-XX:AOTCacheOutput="));
        simulateCompletedRecording(cache);

        ServiceJvm.Command second = jvm.command(service);
        assertThat(second.recordsAotCache()).isFalse();
        assertThat(second.argv()).contains("-XX:AOTCache=" + cache)
                .endsWith("-jar", service.jar().toString());
    }

    @Test
    void aRecordingKilledBeforeTheJvmFinishedIsRecordedAgain() throws IOException {
        ServiceSpec service = serviceWithJar();
        ServiceJvm jvm = new ServiceJvm(StackPaths.under(root), settings(Map.of()));
        Path cache = Path.of(option(jvm.command(service), "-XX:AOTCacheOutput="));
        Files.writeString(cache, "half a cache");
        Files.writeString(cache.resolveSibling(cache.getFileName() + ".config"), "left behind by a killed JVM");

        assertThat(jvm.command(service).recordsAotCache()).isTrue();
    }

    @Test
    void otherJavaOptsGetTheirOwnCacheAndKeepTheFirst() throws IOException {
        ServiceSpec service = serviceWithJar();
        StackPaths paths = StackPaths.under(root);
        Path plain = Path.of(option(new ServiceJvm(paths, settings(Map.of())).command(service), "-XX:AOTCacheOutput="));
        simulateCompletedRecording(plain);

        ServiceJvm.Command tuned = new ServiceJvm(paths, settings(Map.of("JAVA_OPTS", "-Xmx256m"))).command(service);

        assertThat(tuned.recordsAotCache()).isTrue();
        assertThat(option(tuned, "-XX:AOTCacheOutput=")).isNotEqualTo(plain.toString());
        assertThat(tuned.argv()).containsSubsequence("-Xmx256m", "-jar");
        assertThat(plain).exists();
    }

    @Test
    void aRebuiltJarDropsTheCacheOfTheOldBuild() throws IOException {
        ServiceSpec service = serviceWithJar();
        StackPaths paths = StackPaths.under(root);
        Path old = Path.of(option(new ServiceJvm(paths, settings(Map.of())).command(service), "-XX:AOTCacheOutput="));
        simulateCompletedRecording(old);
        Files.setLastModifiedTime(old, FileTime.from(Instant.now().minus(Duration.ofHours(1))));
        Files.setLastModifiedTime(service.jar(), FileTime.from(Instant.now()));

        ServiceJvm.Command afterRebuild = new ServiceJvm(paths, settings(Map.of())).command(service);

        assertThat(afterRebuild.recordsAotCache()).isTrue();
        assertThat(old).doesNotExist();
    }

    @Test
    void withAotOffTheCommandIsThePlainJar() throws IOException {
        ServiceSpec service = serviceWithJar();
        ServiceJvm.Command command = new ServiceJvm(StackPaths.under(root), settings(Map.of("STACK_AOT", "off")))
                .command(service);

        assertThat(command.argv()).hasSize(3).endsWith("-jar", service.jar().toString());
    }

    @Test
    void aMissingJarIsReportedWithHowToBuildIt() {
        ServiceSpec service = new ServiceSpec("webhook-service", 8081, root.resolve("missing.jar"));

        assertThatThrownBy(() -> new ServiceJvm(StackPaths.under(root), settings(Map.of())).command(service))
                .isInstanceOf(StackException.class)
                .hasMessageContaining("webhook-service is not built");
    }

    private ServiceSpec serviceWithJar() throws IOException {
        Path jar = Files.createDirectories(root.resolve("webhook-service/target")).resolve("webhook-service.jar");
        Files.writeString(jar, "not really a jar");
        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().minus(Duration.ofDays(1))));
        return new ServiceSpec("webhook-service", 8081, jar);
    }

    private static StackSettings settings(Map<String, String> env) {
        return StackSettings.from(env);
    }

    private static String option(ServiceJvm.Command command, String prefix) {
        List<String> matches = command.argv().stream().filter(a -> a.startsWith(prefix)).toList();
        assertThat(matches).as("one %s in %s", prefix, command.argv()).hasSize(1);
        return matches.getFirst().substring(prefix.length());
    }

    // What the JVM leaves once it has assembled the cache: the cache, and no temporary .config file.
    private static void simulateCompletedRecording(Path cache) throws IOException {
        Files.writeString(cache, "an AOT cache");
        Files.deleteIfExists(cache.resolveSibling(cache.getFileName() + ".config"));
    }
}
