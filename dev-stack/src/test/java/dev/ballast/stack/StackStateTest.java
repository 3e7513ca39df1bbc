package dev.ballast.stack;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class StackStateTest {

    @TempDir
    Path dir;

    @Test
    void whatUpWritesStatusAndDownReadBackInServiceOrder() {
        Path file = dir.resolve("stack.state");
        StackState state = new StackState(new ProcessRecord(100, 1_000), null, List.of())
                .withDatabase(new StackState.Database("jdbc:postgresql://localhost:55432/postgres", "postgres",
                        new ProcessRecord(101, 1_001)))
                .withService(service("webhook-service", 8081, 102))
                .withService(service("jobs-service", 8082, 103));
        state = state.withService(state.service("webhook-service").ready(950, 480));

        state.write(file);

        StackState read = StackState.read(file).orElseThrow();
        assertThat(read).isEqualTo(state);
        assertThat(read.services()).extracting(StackState.Service::name).containsExactly("webhook-service", "jobs-service");
        assertThat(read.children()).extracting(ProcessRecord::pid).containsExactly(102L, 103L, 101L);
    }

    @Test
    void anExternalDatabaseIsShownWithoutItsPasswordOrQuery() throws IOException {
        DbConnection external = StackSettings.from(Map.of(
                "DATABASE_URL", "jdbc:postgresql://db:5432/ballast?password=hunter2",
                "DATABASE_USER", "ballast",
                "DATABASE_PASSWORD", "hunter2")).externalDatabase().orElseThrow();
        Path file = dir.resolve("stack.state");

        new StackState(new ProcessRecord(100, 1_000), null, List.of())
                .withDatabase(new StackState.Database(external.displayUrl(), external.user(), null))
                .write(file);

        assertThat(Files.readString(file)).doesNotContain("hunter2");
        assertThat(external.toString()).doesNotContain("hunter2");
        assertThat(StackState.read(file).orElseThrow().children()).isEmpty();
    }

    @Test
    void noFileMeansNotRunning() {
        assertThat(StackState.read(dir.resolve("absent"))).isEmpty();
    }

    @Test
    void settingsRejectANonsenseTimeoutByName() {
        assertThatThrownBy(() -> StackSettings.from(Map.of("STACK_READY_TIMEOUT", "soon")))
                .isInstanceOf(StackException.class)
                .hasMessageContaining("STACK_READY_TIMEOUT");
        assertThat(StackSettings.from(Map.of("STACK_READY_TIMEOUT", "90s")).readyTimeout())
                .isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void aRecycledPidIsNotTheProcessWeStarted() {
        ProcessRecord me = ProcessRecord.of(ProcessHandle.current());

        assertThat(me.alive()).isTrue();
        assertThat(new ProcessRecord(me.pid(), me.startMillis() - Duration.ofHours(1).toMillis()).alive()).isFalse();
    }

    @Test
    void onLinuxAProcessIsKnownByItsStartSinceBootWhateverTheWallClockDidSince() {
        ProcessRecord me = ProcessRecord.of(ProcessHandle.current());
        assertThat(me.startKey()).as("boot id and start ticks from /proc").matches("[0-9a-f-]{36}:\\d+");

        // the wall clock stepped an hour between ./stack up and ./stack down: the start instant moved, the key did not
        assertThat(new ProcessRecord(me.pid(), me.startMillis() - Duration.ofHours(1).toMillis(), me.startKey()).alive())
                .isTrue();
        // another boot (or another process on the recycled pid): not ours, whatever the instant says
        assertThat(new ProcessRecord(me.pid(), me.startMillis(), "00000000-0000-0000-0000-000000000000:1").alive())
                .isFalse();
    }

    @Test
    void theStartKeyIsWrittenAndReadBack() {
        ProcessRecord me = ProcessRecord.of(ProcessHandle.current());
        Path file = dir.resolve("stack.state");
        new StackState(me, null, List.of()).write(file);
        assertThat(StackState.read(file).orElseThrow().launcher()).isEqualTo(me);
    }

    private static StackState.Service service(String name, int port, long pid) {
        return new StackState.Service(name, "http://localhost:" + port, port, new ProcessRecord(pid, 2_000), true, -1, -1);
    }
}
