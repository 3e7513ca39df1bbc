package dev.ballast.stack;

import dev.ballast.stack.ProcessStopper.Polite;
import dev.ballast.stack.ProcessStopper.Target;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * {@code ./stack up} (and {@code ./stack db}, the same without services): starts the database and the services,
 * waits until each is ready, prints the status table, and stops everything on Ctrl-C, SIGTERM ({@code ./stack
 * down}) or SIGHUP, services first, then PostgreSQL.
 */
final class StackRun {

    private enum Outcome { READY, FAILED, STOP_REQUESTED }

    private record Running(ServiceSpec spec, Process process, ProcessRecord record, long spawnedNanos,
                           boolean recordsAotCache) {
    }

    // Recording the AOT cache happens at exit and takes seconds (more with four JVMs on two cores).
    static final Duration RECORDING_STOP_GRACE = Duration.ofSeconds(90);
    private static final Duration POSTGRES_STOP_GRACE = Duration.ofSeconds(15);
    private static final Duration READY_POLL = Duration.ofMillis(50);
    private static final Pattern STARTUP_COMPLETED = Pattern.compile("Startup completed in (\\d+)ms");
    private static final int LOG_TAIL_LINES = 20;

    private final StackPaths paths;
    private final StackSettings settings;
    private final List<ServiceSpec> services;
    private final PrintStream out = System.out;
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private volatile boolean hurry;
    private volatile boolean stopping;
    private volatile String stopReason = "stop requested";

    // Guarded by this: what has been started, so that stopAll sees everything even when it races a start.
    private final Map<String, Running> running = new LinkedHashMap<>();
    private EmbeddedDatabase database;
    private StackState state;
    private boolean stopped;

    StackRun(StackPaths paths, StackSettings settings, List<ServiceSpec> services) {
        this.paths = paths;
        this.settings = settings;
        this.services = List.copyOf(services);
    }

    int run() {
        if (services.isEmpty() && settings.externalDatabase().isPresent()) {
            throw new StackException("DATABASE_URL is set: there is no embedded database to start");
        }
        try {
            Files.createDirectories(paths.logs());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try (FileChannel channel = FileChannel.open(paths.lockFile(), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock lock = channel.tryLock()) {
            if (lock == null) {
                String pid = StackState.read(paths.stateFile())
                        .map(s -> " (launcher pid " + s.launcher().pid() + ")").orElse("");
                throw new StackException("a stack is already running" + pid
                        + ": see ./stack status, stop it with ./stack down");
            }
            return runLocked();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private int runLocked() {
        stopLeftoversOfACrashedRun();
        checkPortsAreFree();
        synchronized (this) {
            state = new StackState(ProcessRecord.of(ProcessHandle.current()), null, List.of());
            state.write(paths.stateFile());
        }
        installSignalHandlers();
        Runtime.getRuntime().addShutdownHook(new Thread(this::stopAll, "stack-stop"));
        try {
            DbConnection db = startDatabase();
            if (stopRequested.getCount() == 0) {
                return 0;
            }
            if (services.isEmpty()) {
                db.environment().entrySet().stream().sorted(Map.Entry.comparingByKey())
                        .forEach(e -> out.println(e.getKey() + "=" + e.getValue()));
                out.println("stack: database ready; Ctrl-C or ./stack down stops it");
                awaitStopRequest();
                return 0;
            }
            spawnServices(db);
            Outcome outcome = awaitReady();
            if (outcome == Outcome.STOP_REQUESTED) {
                return 0;
            }
            try (HealthProbe probe = new HealthProbe()) {
                out.print(StackStatus.describe(paths, snapshot(), probe));
            }
            if (outcome == Outcome.FAILED) {
                stopReason = "start-up failed";
                return 1;
            }
            ProviderSandbox.connectDemoWorkspace(services, LocalSecrets.loadOrCreate(paths.secretsFile(), System.getenv()), out);
            out.println("stack: all " + services.size() + " services ready; logs in " + paths.show(paths.logs())
                    + "/<service>.log; Ctrl-C here or ./stack down stops everything");
            reportUnexpectedExits();
            awaitStopRequest();
            return 0;
        } finally {
            stopAll();
        }
    }

    private void stopLeftoversOfACrashedRun() {
        StackState.read(paths.stateFile()).ifPresent(old -> {
            // We hold the lock, so the launcher that wrote this is gone; what it started may not be.
            if (old.children().stream().anyMatch(ProcessRecord::alive)) {
                out.println("stack: the previous stack (launcher pid " + old.launcher().pid()
                        + ") did not stop cleanly; stopping what it left running");
                List<ProcessRecord> survivors = StackDown.stopLeftovers(old, settings, out);
                if (!survivors.isEmpty()) {
                    throw new StackException("could not stop leftover processes " + pids(survivors));
                }
            }
            deleteStateFile();
        });
    }

    private void checkPortsAreFree() {
        List<String> busy = new ArrayList<>();
        for (ServiceSpec service : services) {
            if (!portIsFree(service.port())) {
                busy.add(service.port() + " (" + service.name() + ")");
            }
        }
        if (settings.externalDatabase().isEmpty() && !portIsFree(settings.pgPort())) {
            busy.add(settings.pgPort() + " (embedded PostgreSQL, STACK_PG_PORT)");
        }
        if (!busy.isEmpty()) {
            throw new StackException("port " + String.join(", ", busy) + " already in use: stop what listens there"
                    + " first (ss -ltnp shows it; an old stack stops with ./stack down)");
        }
    }

    private static boolean portIsFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private void installSignalHandlers() {
        for (String name : List.of("INT", "TERM", "HUP")) {
            try {
                Signal.handle(new Signal(name), this::onSignal);
            } catch (IllegalArgumentException e) {
                // Not ours to handle (e.g. -Xrs): the shutdown hook still stops everything.
            }
        }
    }

    // Runs on the JVM's signal thread: only flags here, the main thread does the work.
    private void onSignal(Signal signal) {
        if (stopRequested.getCount() > 0) {
            stopReason = "SIG" + signal.getName();
            stopRequested.countDown();
        } else if (!hurry) {
            hurry = true;
            out.println("stack: second signal: killing what is left now");
        }
    }

    private DbConnection startDatabase() {
        if (settings.externalDatabase().isPresent()) {
            DbConnection external = settings.externalDatabase().get();
            out.println("stack: using DATABASE_URL " + external.displayUrl() + " (no embedded PostgreSQL)");
            updateState(s -> s.withDatabase(new StackState.Database(external.displayUrl(), external.user(), null)));
            return external;
        }
        out.println("stack: starting embedded PostgreSQL on localhost:" + settings.pgPort() + " (data in "
                + paths.show(paths.pgData()) + ")");
        long start = System.nanoTime();
        EmbeddedDatabase started = EmbeddedDatabase.start(paths, settings.pgPort());
        synchronized (this) {
            database = started;
        }
        DbConnection connection = started.connection();
        updateState(s -> s.withDatabase(new StackState.Database(connection.displayUrl(), connection.user(),
                started.postmaster())));
        out.println("stack: PostgreSQL ready in " + millisSince(start) + " ms");
        return connection;
    }

    private void spawnServices(DbConnection db) {
        ServiceJvm jvm = new ServiceJvm(paths, settings);
        Map<String, String> secrets = LocalSecrets.loadOrCreate(paths.secretsFile(), System.getenv());
        out.println("stack: local admin/service tokens in " + paths.show(paths.secretsFile()));
        Map<ServiceSpec, ServiceJvm.Command> commands = new LinkedHashMap<>();
        for (ServiceSpec service : services) {
            commands.put(service, jvm.command(service));
        }
        boolean recording = commands.values().stream().anyMatch(ServiceJvm.Command::recordsAotCache);
        out.println("stack: starting " + services.stream().map(ServiceSpec::name).collect(Collectors.joining(", "))
                + (recording ? " (first run of this build: recording AOT caches, so start and stop take longer)" : ""));
        for (var entry : commands.entrySet()) {
            ServiceSpec service = entry.getKey();
            ServiceJvm.Command command = entry.getValue();
            ProcessBuilder builder = new ProcessBuilder(command.argv())
                    .directory(paths.root().toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(paths.log(service.name()).toFile());
            builder.environment().putAll(db.environment());
            builder.environment().putAll(secrets);
            builder.environment().putAll(ProviderSandbox.environment(System.getenv()));
            builder.environment().put("SERVER_PORT", Integer.toString(service.port()));
            synchronized (this) {
                if (stopped) {
                    return;
                }
                long spawned = System.nanoTime();
                Process process;
                try {
                    process = builder.start();
                } catch (IOException e) {
                    throw new StackException("could not start " + service.name() + ": " + e.getMessage(), e);
                }
                ProcessRecord record = ProcessRecord.of(process.toHandle());
                running.put(service.name(), new Running(service, process, record, spawned, command.recordsAotCache()));
                state = state.withService(new StackState.Service(service.name(), service.url(), service.port(), record,
                        command.recordsAotCache(), -1, -1));
                state.write(paths.stateFile());
            }
        }
    }

    private Outcome awaitReady() {
        long deadline = System.nanoTime() + settings.readyTimeout().toNanos();
        List<Running> pending = new ArrayList<>(snapshotRunning());
        try (HealthProbe probe = new HealthProbe()) {
            while (true) {
                if (stopRequested.getCount() == 0) {
                    return Outcome.STOP_REQUESTED;
                }
                for (var iterator = pending.iterator(); iterator.hasNext(); ) {
                    Running service = iterator.next();
                    if (!service.process().isAlive()) {
                        reportEarlyExit(service);
                        return Outcome.FAILED;
                    }
                    if (probe.readiness(service.spec().port()).ready()) {
                        long readyAfter = (System.nanoTime() - service.spawnedNanos()) / 1_000_000;
                        long startup = startupMillisLogged(service.spec().name());
                        updateState(s -> s.withService(s.service(service.spec().name()).ready(readyAfter, startup)));
                        iterator.remove();
                    }
                }
                if (pending.isEmpty()) {
                    return Outcome.READY;
                }
                if (System.nanoTime() > deadline) {
                    out.println("stack: not ready after " + settings.readyTimeout().toSeconds()
                            + " s (STACK_READY_TIMEOUT): "
                            + pending.stream().map(r -> r.spec().name()).collect(Collectors.joining(", "))
                            + "; see " + paths.show(paths.logs()) + "/<service>.log");
                    return Outcome.FAILED;
                }
                if (stopRequested.await(READY_POLL.toMillis(), TimeUnit.MILLISECONDS)) {
                    return Outcome.STOP_REQUESTED;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.STOP_REQUESTED;
        }
    }

    private void reportEarlyExit(Running service) {
        Path log = paths.log(service.spec().name());
        out.println("stack: " + service.spec().name() + " exited with code " + service.process().exitValue()
                + " during start-up; last lines of " + paths.show(log) + ":");
        try {
            List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
            lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()).forEach(l -> out.println("  " + l));
        } catch (IOException | UncheckedIOException e) {
            out.println("  (log unreadable: " + e.getMessage() + ")");
        }
    }

    private void reportUnexpectedExits() {
        for (Running service : snapshotRunning()) {
            service.process().onExit().thenAccept(p -> {
                if (!stopping) {
                    out.println("stack: " + service.spec().name() + " exited with code " + p.exitValue() + "; see "
                            + paths.show(paths.log(service.spec().name())) + " (the others keep running)");
                }
            });
        }
    }

    private void awaitStopRequest() {
        try {
            stopRequested.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Services first (they would only log connection errors otherwise), then PostgreSQL. Idempotent. */
    private void stopAll() {
        List<Running> services;
        EmbeddedDatabase db;
        synchronized (this) {
            if (stopped) {
                return;
            }
            stopped = true;
            stopping = true;
            services = List.copyOf(running.values());
            db = database;
        }
        List<Target> targets = services.stream()
                .filter(r -> r.process().isAlive())
                .map(r -> new Target(r.spec().name(), r.record(), Polite.TERM,
                        r.recordsAotCache() ? max(settings.stopGrace(), RECORDING_STOP_GRACE) : settings.stopGrace()))
                .toList();
        if (!targets.isEmpty()) {
            boolean recording = services.stream().anyMatch(Running::recordsAotCache);
            out.println("stack: " + stopReason + ": stopping "
                    + targets.stream().map(Target::name).collect(Collectors.joining(", "))
                    + (recording ? " (they write their AOT caches as they exit: a few seconds)" : ""));
            List<String> killed = ProcessStopper.stop(targets, () -> hurry);
            if (!killed.isEmpty()) {
                out.println("stack: killed " + String.join(", ", killed)
                        + (hurry ? "" : " (still running after the grace period, STACK_STOP_GRACE)"));
            }
        }
        if (db != null) {
            out.println("stack: stopping PostgreSQL");
            try {
                db.close();
            } catch (IOException | RuntimeException e) {
                out.println("stack: pg_ctl stop failed (" + e.getMessage() + "); signalling the postmaster");
            }
            Target postmaster = new Target("postgres", db.postmaster(), Polite.INT, POSTGRES_STOP_GRACE);
            ProcessStopper.stop(List.of(postmaster), () -> hurry);
        }
        List<ProcessRecord> survivors = snapshot().children().stream().filter(ProcessRecord::alive).toList();
        if (survivors.isEmpty()) {
            deleteStateFile();
            out.println("stack: stopped");
        } else {
            out.println("stack: still running: pids " + pids(survivors) + "; ./stack down tries again");
        }
    }

    private synchronized StackState snapshot() {
        return state;
    }

    private synchronized List<Running> snapshotRunning() {
        return List.copyOf(running.values());
    }

    private synchronized void updateState(UnaryOperator<StackState> change) {
        state = change.apply(state);
        state.write(paths.stateFile());
    }

    private long startupMillisLogged(String service) {
        try {
            Matcher matcher = STARTUP_COMPLETED.matcher(Files.readString(paths.log(service), StandardCharsets.UTF_8));
            long found = -1;
            while (matcher.find()) {
                found = Long.parseLong(matcher.group(1));
            }
            return found;
        } catch (IOException | UncheckedIOException e) {
            return -1;
        }
    }

    private void deleteStateFile() {
        try {
            Files.deleteIfExists(paths.stateFile());
        } catch (IOException e) {
            out.println("stack: could not delete " + paths.show(paths.stateFile()) + ": " + e.getMessage());
        }
    }

    static String pids(List<ProcessRecord> processes) {
        return processes.stream().map(p -> Long.toString(p.pid())).collect(Collectors.joining(", "));
    }

    private static long millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }
}
