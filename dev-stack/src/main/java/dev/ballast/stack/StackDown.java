package dev.ballast.stack;

import dev.ballast.stack.ProcessStopper.Polite;
import dev.ballast.stack.ProcessStopper.Target;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * {@code ./stack down} from another terminal: asks the launcher to stop (SIGTERM, which it handles like Ctrl-C),
 * then stops whatever is still alive, so that a launcher killed with SIGKILL leaves nothing behind either.
 */
final class StackDown {

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration POSTGRES_GRACE = Duration.ofSeconds(15);
    // The launcher itself waits up to the recording grace for services, then for PostgreSQL.
    private static final Duration LAUNCHER_MARGIN = Duration.ofSeconds(30);

    private final StackPaths paths;
    private final StackSettings settings;
    private final PrintStream out = System.out;

    StackDown(StackPaths paths, StackSettings settings) {
        this.paths = paths;
        this.settings = settings;
    }

    int run() {
        Optional<StackState> read = StackState.read(paths.stateFile());
        if (read.isEmpty()) {
            out.println("stack: not running");
            return 0;
        }
        StackState state = read.get();
        Optional<ProcessHandle> launcher = state.launcher().live();
        if (launcher.isPresent()) {
            out.println("stack: stopping the stack of launcher pid " + state.launcher().pid());
            launcher.get().destroy();
            Duration patience = settings.stopGrace().compareTo(StackRun.RECORDING_STOP_GRACE) > 0
                    ? settings.stopGrace() : StackRun.RECORDING_STOP_GRACE;
            if (!awaitGone(state.launcher(), patience.plus(LAUNCHER_MARGIN))) {
                out.println("stack: the launcher did not stop in time; killing it");
                launcher.get().destroyForcibly();
            }
        }
        List<ProcessRecord> survivors = stopLeftovers(state, settings, out);
        if (!survivors.isEmpty()) {
            out.println("stack: still running: pids " + StackRun.pids(survivors));
            return 1;
        }
        try {
            Files.deleteIfExists(paths.stateFile());
        } catch (IOException e) {
            out.println("stack: could not delete " + paths.show(paths.stateFile()) + ": " + e.getMessage());
        }
        out.println("stack: stopped");
        return 0;
    }

    /**
     * Stops the services, then the postmaster, of a stack whose launcher is gone. Returns what is still alive after
     * that, which should be nothing.
     */
    static List<ProcessRecord> stopLeftovers(StackState state, StackSettings settings, PrintStream out) {
        List<Target> services = state.services().stream()
                .filter(s -> s.process().alive())
                .map(s -> new Target(s.name(), s.process(), Polite.TERM, s.recordsAotCache()
                        ? StackRun.RECORDING_STOP_GRACE : settings.stopGrace()))
                .toList();
        List<Target> postgres = Stream.ofNullable(state.database())
                .filter(db -> db.postmaster() != null && db.postmaster().alive())
                .map(db -> new Target("postgres", db.postmaster(), Polite.INT, POSTGRES_GRACE))
                .toList();
        for (List<Target> group : List.of(services, postgres)) {
            if (!group.isEmpty()) {
                out.println("stack: stopping leftover " + String.join(", ", group.stream().map(Target::name).toList()));
                List<String> killed = ProcessStopper.stop(group, () -> false);
                if (!killed.isEmpty()) {
                    out.println("stack: killed " + String.join(", ", killed)
                            + " (still running after the grace period, STACK_STOP_GRACE)");
                }
            }
        }
        return state.children().stream().filter(ProcessRecord::alive).toList();
    }

    private static boolean awaitGone(ProcessRecord process, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (process.alive()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                Thread.sleep(POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return !process.alive();
            }
        }
        return true;
    }
}
