package dev.ballast.bench.jobs;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.stream.Stream;

/** CPU time used so far by this JVM and by the PostgreSQL processes, to say what a job costs each side. */
record CpuClock(long jvmNanos, long postgresNanos, Map<Long, Long> postgresTicksByPid) {

    // USER_HZ is 100 on every Linux this bench runs on.
    private static final long NANOS_PER_TICK = 10_000_000L;

    static CpuClock now() {
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        Map<Long, Long> ticks = postgresTicks();
        long total = ticks.values().stream().mapToLong(Long::longValue).sum();
        return new CpuClock(os.getProcessCpuTime(), total * NANOS_PER_TICK, ticks);
    }

    /**
     * CPU used between {@code start} and this reading. PostgreSQL: what the processes alive now used since then (a
     * process that ended in between, such as an autovacuum worker, is missed, so this is a lower bound).
     */
    CpuClock since(CpuClock start) {
        long ticks = 0;
        for (Map.Entry<Long, Long> e : postgresTicksByPid.entrySet()) {
            ticks += e.getValue() - start.postgresTicksByPid.getOrDefault(e.getKey(), 0L);
        }
        return new CpuClock(jvmNanos - start.jvmNanos, ticks * NANOS_PER_TICK, Map.of());
    }

    // utime + stime of each live postgres process; the pools keep their backends alive through a phase.
    private static Map<Long, Long> postgresTicks() {
        Map<Long, Long> ticks = new HashMap<>();
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
                    ticks.put(Long.parseLong(name), Long.parseLong(f[11]) + Long.parseLong(f[12]));
                } catch (IOException | RuntimeException gone) {
                    // the process ended while we looked
                }
            }
        } catch (IOException e) {
            return Map.of();
        }
        return ticks;
    }
}
