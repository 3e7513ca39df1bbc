package dev.ballast.bench.jobs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** CPU time used so far by this JVM and by the PostgreSQL processes, to say what a job costs each side. */
record CpuClock(long jvmNanos, long postgresNanos) {

    // USER_HZ is 100 on every Linux this bench runs on.
    private static final long NANOS_PER_TICK = 10_000_000L;

    static CpuClock now() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        return new CpuClock(os.getProcessCpuTime(), postgresTicks() * NANOS_PER_TICK);
    }

    CpuClock since(CpuClock start) {
        return new CpuClock(jvmNanos - start.jvmNanos, postgresNanos - start.postgresNanos);
    }

    // Sums utime + stime of the live postgres processes; the pools keep their backends alive through a phase.
    private static long postgresTicks() {
        long ticks = 0;
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : (Iterable<Path>) procs::iterator) {
                String name = p.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(p.resolve("stat"));
                    int open = stat.indexOf('(');
                    int close = stat.lastIndexOf(')');
                    if (!stat.substring(open + 1, close).equals("postgres")) {
                        continue;
                    }
                    String[] f = stat.substring(close + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            return 0;
        }
        return ticks;
    }
}
