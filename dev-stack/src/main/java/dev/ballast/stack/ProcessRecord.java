package dev.ballast.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A process the stack started, identified by pid and start time, so that a recycled pid is never mistaken
 * for it (and never killed) after a reboot or a long time.
 */
record ProcessRecord(long pid, long startMillis) {

    // Start instants are derived from clock ticks since boot; allow for rounding between two readings.
    private static final long START_TOLERANCE_MILLIS = 1_000;

    static ProcessRecord of(ProcessHandle handle) {
        long start = handle.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return new ProcessRecord(handle.pid(), start);
    }

    /** The process if it is still running: same pid, same start time, and not a zombie awaiting its reaper. */
    Optional<ProcessHandle> live() {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(h -> startMillis == 0 || h.info().startInstant()
                        .map(i -> Math.abs(i.toEpochMilli() - startMillis) <= START_TOLERANCE_MILLIS)
                        .orElse(false))
                .filter(h -> !zombie(h.pid()));
    }

    boolean alive() {
        return live().isPresent();
    }

    // An exited child whose parent has not reaped it still has a pid (PID 1 in some containers never reaps).
    private static boolean zombie(long pid) {
        Path stat = Path.of("/proc", Long.toString(pid), "stat");
        try {
            String line = Files.readString(stat);
            String afterName = line.substring(line.lastIndexOf(')') + 1).trim();
            return afterName.startsWith("Z") || afterName.startsWith("X");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }
}
