package dev.ballast.stack;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Runs the real {@code ./stack up} (embedded PostgreSQL and the four service jars) as a child process, checks that
 * every service is ready, presses Ctrl-C (SIGINT) and checks that nothing it started is still running.
 */
class StackLauncherIT {

    // A first run of freshly built jars records AOT caches: slower to start and to stop than later runs.
    private static final Duration READY_DEADLINE = Duration.ofSeconds(90);
    private static final Duration STOP_DEADLINE = Duration.ofSeconds(120);
    private static final Duration POLL = Duration.ofMillis(100);

    private final Path root = Path.of(System.getProperty("ballast.root", "..")).toAbsolutePath().normalize();
    private final StackPaths paths = StackPaths.under(root);
    private final Path output = root.resolve("dev-stack/target/stack-launcher-it.out");
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500))
            .build();
    private Process launcher;

    @Test
    void upBringsAllFourServicesToReadyAndCtrlCLeavesNoProcessBehind() throws Exception {
        List<ServiceSpec> services = ServiceSpec.all(root);
        for (ServiceSpec service : services) {
            assertThat(service.jar()).as("%s must be built first (./mvnw verify from the root builds it)", service.name())
                    .isRegularFile();
        }
        for (int port : ports(services)) {
            assertThat(portIsFree(port))
                    .as("port %d is already taken: stop what listens there (a running stack: ./stack down)", port)
                    .isTrue();
        }

        ProcessBuilder builder = new ProcessBuilder(root.resolve("stack").toString(), "up")
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(output.toFile());
        // The reactor has just built every jar; and the test is about the embedded database too.
        builder.environment().put("STACK_SKIP_BUILD", "1");
        builder.environment().put("JAVA_HOME", System.getProperty("java.home"));
        Stream.of("DATABASE_URL", "DATABASE_USER", "DATABASE_PASSWORD").forEach(builder.environment()::remove);
        launcher = builder.start();

        awaitWhileLauncherRuns("all four services ready and the status table printed", READY_DEADLINE,
                () -> launcherSaid("stack: all 4 services ready"));
        for (ServiceSpec service : services) {
            assertThat(readinessStatus(service.port())).as("%s /health/readiness", service.name()).isEqualTo(200);
        }
        assertThat(launcherOutput()).contains("SERVICE", "http://localhost:8081", "http://localhost:8084");

        StackState state = StackState.read(paths.stateFile()).orElseThrow();
        assertThat(state.launcher().pid()).as("./stack execs the launcher").isEqualTo(launcher.pid());
        assertThat(state.services()).extracting(StackState.Service::name)
                .containsExactly("webhook-service", "jobs-service", "insights-service", "integrations-service");
        assertThat(state.database().postmaster()).as("embedded PostgreSQL postmaster").isNotNull();
        List<ProcessRecord> children = state.children();
        assertThat(children).hasSize(5).allMatch(ProcessRecord::alive);

        Process ctrlC = new ProcessBuilder("kill", "-INT", Long.toString(launcher.pid())).start();
        assertThat(ctrlC.waitFor()).isZero();

        assertThat(launcher.waitFor(STOP_DEADLINE.toSeconds(), TimeUnit.SECONDS))
                .as(() -> "launcher exits after SIGINT within " + STOP_DEADLINE.toSeconds() + " s; it said:\n"
                        + launcherOutput())
                .isTrue();
        assertThat(children).as("services and postgres after Ctrl-C").noneMatch(ProcessRecord::alive);
        assertThat(paths.stateFile()).doesNotExist();
        assertThat(launcherOutput()).contains("stack: SIGINT: stopping", "stack: stopped");
        for (int port : ports(services)) {
            assertThat(portIsFree(port)).as("port %d released", port).isTrue();
        }
    }

    @AfterEach
    void leaveNothingRunning() throws Exception {
        if (launcher != null && launcher.isAlive()) {
            ProcessBuilder down = new ProcessBuilder(root.resolve("stack").toString(), "down")
                    .directory(root.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD);
            down.environment().put("STACK_SKIP_BUILD", "1");
            down.environment().put("JAVA_HOME", System.getProperty("java.home"));
            down.start().waitFor();
            launcher.destroyForcibly();
        }
        http.close();
    }

    private void awaitWhileLauncherRuns(String what, Duration timeout, BooleanSupplier condition) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (!launcher.isAlive()) {
                fail("launcher exited with %d before: %s%n%s", launcher.exitValue(), what, launcherOutput());
            }
            if (System.nanoTime() > deadline) {
                fail("not within %d s: %s%n%s", timeout.toSeconds(), what, launcherOutput());
            }
            Thread.sleep(POLL);
        }
    }

    private boolean launcherSaid(String line) {
        return launcherOutput().contains(line);
    }

    private String launcherOutput() {
        try {
            return Files.readString(output, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no output: " + e.getMessage() + ")";
        }
    }

    private int readinessStatus(int port) throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/readiness"))
                .timeout(Duration.ofSeconds(2)).build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        }
    }

    private static List<Integer> ports(List<ServiceSpec> services) {
        int postgres = StackSettings.from(System.getenv()).pgPort();
        return Stream.concat(services.stream().map(ServiceSpec::port), Stream.of(postgres)).toList();
    }

    private static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }
}
