package dev.ballast.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service's main class in a JVM of its own, on the test's class path, configured by system properties: a process
 * that can really be killed ({@code SIGKILL}: no shutdown hook, no finally block, sockets left to the kernel).
 */
public final class JvmProcess implements AutoCloseable {

    private final Process process;

    /** System property: the JVM options of every started process, space-separated. */
    public static final String JVM_OPTIONS = "ballast.test.jvm-options";

    private JvmProcess(Process process) {
        this.process = process;
    }

    /** Starts {@code mainClass} from the test's class path; its output is appended to {@code log}. */
    public static JvmProcess start(String mainClass, Map<String, String> properties, Path log) {
        return launch(List.of("-cp", System.getProperty("java.class.path"), mainClass), properties, log);
    }

    /** Starts a service's built jar; its output is appended to {@code log}. */
    public static JvmProcess startJar(Path jar, Map<String, String> properties, Path log) {
        return launch(List.of("-jar", jar.toString()), properties, Map.of(), log);
    }

    /** Starts a built jar configured as in production, through {@code environment} (added to this JVM's). */
    public static JvmProcess startJar(Path jar, Map<String, String> properties, Map<String, String> environment,
                                      Path log) {
        return launch(List.of("-jar", jar.toString()), properties, environment, log);
    }

    private static JvmProcess launch(List<String> what, Map<String, String> properties, Path log) {
        return launch(what, properties, Map.of(), log);
    }

    private static JvmProcess launch(List<String> what, Map<String, String> properties,
                                     Map<String, String> environment, Path log) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // small heap and C1 only: quick to start, enough for tests; a benchmark asks for full JIT through this property
        for (String option : System.getProperty(JVM_OPTIONS, "-Xmx384m -XX:TieredStopAtLevel=1").trim().split("\\s+")) {
            if (!option.isEmpty()) {
                command.add(option);
            }
        }
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.addAll(what);
        try {
            Files.createDirectories(log.toAbsolutePath().getParent());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            builder.environment().putAll(environment);
            Process p = builder.start();
            return new JvmProcess(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean alive() {
        return process.isAlive();
    }

    /** SIGTERM (the service shuts down as it would on Kubernetes), then SIGKILL if it has not gone in 15 s. */
    public void stop() {
        process.destroy();
        try {
            if (!process.waitFor(15, TimeUnit.SECONDS)) {
                kill();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            kill();
        }
    }

    /** SIGKILL, and waits until the process is gone. */
    public void kill() {
        process.destroyForcibly();
        try {
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                throw new IllegalStateException("process " + process.pid() + " outlived SIGKILL");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            kill();
        }
    }
}
