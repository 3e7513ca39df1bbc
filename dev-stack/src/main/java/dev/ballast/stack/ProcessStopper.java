package dev.ballast.stack;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** Stops processes politely, all at once, and kills (with their descendants) those that outlive their grace. */
final class ProcessStopper {

    /** The polite signal: SIGTERM for JVMs, SIGINT for PostgreSQL (its "fast" shutdown). */
    enum Polite { TERM, INT }

    record Target(String name, ProcessRecord process, Polite signal, Duration grace) {
    }

    private static final Duration POLL = Duration.ofMillis(50);
    private static final Duration AFTER_KILL = Duration.ofSeconds(5);

    private ProcessStopper() {
    }

    /**
     * Stops every target and returns the names of those that had to be killed.
     *
     * @param hurry when it turns true (a second Ctrl-C), the remaining targets are killed at once
     */
    static List<String> stop(List<Target> targets, BooleanSupplier hurry) {
        long start = System.nanoTime();
        Map<Target, ProcessHandle> running = new LinkedHashMap<>();
        for (Target target : targets) {
            target.process().live().ifPresent(handle -> {
                running.put(target, handle);
                signal(handle, target.signal());
            });
        }
        List<String> killed = new ArrayList<>();
        long killDeadline = Long.MAX_VALUE;
        while (true) {
            running.keySet().removeIf(target -> !target.process().alive());
            if (running.isEmpty() || System.nanoTime() > killDeadline) {
                return killed;
            }
            long elapsed = System.nanoTime() - start;
            for (var entry : running.entrySet()) {
                Target target = entry.getKey();
                if (!killed.contains(target.name()) && (hurry.getAsBoolean() || elapsed > target.grace().toNanos())) {
                    kill(entry.getValue());
                    killed.add(target.name());
                    killDeadline = Math.min(killDeadline, System.nanoTime() + AFTER_KILL.toNanos());
                }
            }
            pause();
        }
    }

    static void kill(ProcessHandle handle) {
        // A JVM recording its AOT cache has a child assembling it; it must not outlive its parent.
        handle.descendants().forEach(ProcessHandle::destroyForcibly);
        handle.destroyForcibly();
    }

    private static void signal(ProcessHandle handle, Polite signal) {
        if (signal == Polite.TERM) {
            handle.destroy();
            return;
        }
        try {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(handle.pid()))
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (kill.waitFor() != 0) {
                handle.destroy();
            }
        } catch (IOException e) {
            handle.destroy();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            handle.destroy();
        }
    }

    private static void pause() {
        try {
            Thread.sleep(POLL);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
