package dev.ballast.stack;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;

/**
 * A process the stack started, identified by pid and start time, so that a recycled pid is never mistaken
 * for it (and never killed) after a reboot or a long time. On Linux the start is also kept as {@code startKey}: the
 * boot id and the start in clock ticks since boot, which a step of the wall clock (NTP, a laptop waking, a restored
 * VM) does not move, where the start instant the JDK derives from them does.
 */
record ProcessRecord(long pid, long startMillis, String startKey) {

    // Start instants are derived from clock ticks since boot; allow for rounding between two readings.
    private static final long START_TOLERANCE_MILLIS = 1_000;
    // /proc/<pid>/stat: fields after the command name start at field 3; the start time is field 22.
    private static final int START_TIME_AFTER_NAME = 22 - 3;

    /** A process known by its start instant only (a state file written before startKey existed). */
    ProcessRecord(long pid, long startMillis) {
        this(pid, startMillis, "");
    }

    static ProcessRecord of(ProcessHandle handle) {
        long start = handle.info().startInstant().map(Instant::toEpochMilli).orElse(0L);
        return new ProcessRecord(handle.pid(), start, startKey(handle.pid()));
    }

    /** The process if it is still running: same pid, same start, and not a zombie awaiting its reaper. */
    Optional<ProcessHandle> live() {
        return ProcessHandle.of(pid)
                .filter(ProcessHandle::isAlive)
                .filter(this::sameStart)
                .filter(h -> !zombie(h.pid()));
    }

    boolean alive() {
        return live().isPresent();
    }

    private boolean sameStart(ProcessHandle h) {
        if (!startKey.isEmpty()) {
            String now = startKey(h.pid());
            if (!now.isEmpty()) {
                return now.equals(startKey);
            }
        }
        return startMillis == 0 || h.info().startInstant()
                .map(i -> Math.abs(i.toEpochMilli() - startMillis) <= START_TOLERANCE_MILLIS)
                .orElse(false);
    }

    /** Linux: {@code <boot id>:<start in clock ticks since boot>}; empty where /proc does not say. */
    static String startKey(long pid) {
        try {
            String boot = Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).strip();
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 1).strip().split(" ");
            return boot.isEmpty() ? "" : boot + ":" + Long.parseLong(fields[START_TIME_AFTER_NAME]);
        } catch (IOException | RuntimeException e) {
            return "";
        }
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
