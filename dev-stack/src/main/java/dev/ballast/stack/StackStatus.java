package dev.ballast.stack;

import java.io.PrintStream;
import java.util.List;
import java.util.Optional;

/** {@code ./stack status}: the status table of a stack started elsewhere, with health asked live. */
final class StackStatus {

    /** LSB convention for "not running", so scripts can tell it from an error. */
    static final int NOT_RUNNING = 3;

    private final StackPaths paths;
    private final PrintStream out = System.out;

    StackStatus(StackPaths paths) {
        this.paths = paths;
    }

    int run() {
        Optional<StackState> read = StackState.read(paths.stateFile());
        if (read.isEmpty()) {
            out.println("stack: not running");
            return NOT_RUNNING;
        }
        StackState state = read.get();
        try (HealthProbe probe = new HealthProbe()) {
            out.print(describe(paths, state, probe));
        }
        if (!state.launcher().alive()) {
            out.println("stack: its launcher (pid " + state.launcher().pid()
                    + ") is gone; ./stack down stops what it left");
            return 1;
        }
        return 0;
    }

    /** The database line and the table; {@code up} prints the same once everything is ready. */
    static String describe(StackPaths paths, StackState state, HealthProbe probe) {
        StringBuilder text = new StringBuilder();
        StackState.Database db = state.database();
        if (db == null) {
            text.append("database: starting\n");
        } else if (db.postmaster() == null) {
            text.append("database: ").append(db.displayUrl())
                    .append(" (DATABASE_URL, user ").append(db.user()).append(")\n");
        } else {
            text.append("database: embedded PostgreSQL ").append(db.displayUrl()).append(" (user ").append(db.user())
                    .append(", pid ").append(db.postmaster().pid())
                    .append(db.postmaster().alive() ? "" : ", STOPPED")
                    .append(", data ").append(paths.show(paths.pgData())).append(")\n");
        }
        if (state.services().isEmpty()) {
            return text.append("services: none (database only)\n").toString();
        }
        List<StatusTable.Row> rows = state.services().stream()
                .map(s -> new StatusTable.Row(s.name(), s.url(),
                        s.process().alive() ? probe.readiness(s.port()).label() : HealthProbe.Health.STOPPED.label(),
                        s.startupMillis(), s.readyAfterMillis(), s.process().pid(), s.recordsAotCache()))
                .toList();
        return text.append(StatusTable.render(rows)).toString();
    }
}
