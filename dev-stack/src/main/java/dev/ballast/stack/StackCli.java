package dev.ballast.stack;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;

/** Entry point behind the {@code ./stack} script at the repository root. */
public final class StackCli {

    private static final String USAGE = """
            usage: ./stack <command>
              up                 start PostgreSQL (embedded unless DATABASE_URL is set) and the four services,
                                 wait until all are ready, print their status; Ctrl-C stops everything
              status             print the status table of the running stack
              down               stop the running stack, and whatever a killed launcher left behind
              db                 start only the embedded PostgreSQL, print its DATABASE_* settings, run until stopped
              command <service>  print the JVM command line a service runs with, one argument per line
              sign <secret> <file>  print Standard Webhooks headers signing <file> with a whsec_ secret (curl -H @-)
              demo               replay a scripted day against the running stack (./stack up first) and report
                                 what was stored, run and posted; exits 1 when anything was lost or duplicated
            knobs (environment): DATABASE_URL, DATABASE_USER, DATABASE_PASSWORD, STACK_READY_TIMEOUT (60 s),
              STACK_STOP_GRACE (15 s), JAVA_OPTS, STACK_PG_PORT (55432), STACK_AOT (on)
            """;

    private StackCli() {
    }

    public static void main(String[] args) {
        int code;
        try {
            code = run(args);
        } catch (StackException e) {
            System.err.println("stack: " + e.getMessage());
            code = 1;
        } catch (RuntimeException e) {
            System.err.println("stack: unexpected failure");
            e.printStackTrace();
            code = 1;
        }
        System.exit(code);
    }

    private static int run(String[] args) {
        Path root = Path.of(System.getProperty("ballast.stack.root", System.getProperty("user.dir")));
        StackPaths paths = StackPaths.under(root);
        String command = args.length == 0 ? "help" : args[0];
        return switch (command) {
            case "up" -> new StackRun(paths, settings(), ServiceSpec.all(paths.root())).run();
            case "db" -> new StackRun(paths, settings(), List.of()).run();
            case "status" -> new StackStatus(paths).run();
            case "down" -> new StackDown(paths, settings()).run();
            case "command" -> printCommand(paths, args);
            case "demo" -> new DemoDay(paths, System.getenv(), System.out).run();
            case "help", "-h", "--help" -> usage(System.out, 0);
            default -> usage(System.err, 2);
        };
    }

    private static int printCommand(StackPaths paths, String[] args) {
        if (args.length != 2) {
            return usage(System.err, 2);
        }
        ServiceSpec service = ServiceSpec.named(paths.root(), args[1])
                .orElseThrow(() -> new StackException("no service named '" + args[1] + "'; one of "
                        + ServiceSpec.all(paths.root()).stream().map(ServiceSpec::name).toList()));
        new ServiceJvm(paths, settings()).command(service).argv().forEach(System.out::println);
        return 0;
    }

    private static StackSettings settings() {
        return StackSettings.from(System.getenv());
    }

    private static int usage(PrintStream stream, int code) {
        stream.print(USAGE);
        return code;
    }
}
