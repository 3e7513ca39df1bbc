package dev.ballast.stack;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What a running stack wrote down for {@code status} and {@code down} in other terminals: every process it started.
 * Holds no password.
 *
 * @param database null until the database is known
 */
record StackState(ProcessRecord launcher, Database database, List<Service> services) {

    /** @param postmaster null for an external database, which the stack neither starts nor stops */
    record Database(String displayUrl, String user, ProcessRecord postmaster) {
    }

    /** @param readyAfterMillis spawn to first 200 on readiness, -1 until then; startupMillis as Micronaut logged it */
    record Service(String name, String url, int port, ProcessRecord process, boolean recordsAotCache,
                   long readyAfterMillis, long startupMillis) {

        Service ready(long readyAfter, long startup) {
            return new Service(name, url, port, process, recordsAotCache, readyAfter, startup);
        }
    }

    StackState {
        services = List.copyOf(services);
    }

    StackState withDatabase(Database value) {
        return new StackState(launcher, value, services);
    }

    /** Adds the service, or replaces the one of that name in place, so the table keeps its order. */
    StackState withService(Service service) {
        List<Service> updated = new ArrayList<>(services);
        int index = updated.stream().map(Service::name).toList().indexOf(service.name());
        if (index < 0) {
            updated.add(service);
        } else {
            updated.set(index, service);
        }
        return new StackState(launcher, database, updated);
    }

    Service service(String name) {
        return services.stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    /** Every process of the stack except the launcher, services first. */
    List<ProcessRecord> children() {
        Stream<ProcessRecord> db = database == null || database.postmaster() == null
                ? Stream.empty() : Stream.of(database.postmaster());
        return Stream.concat(services.stream().map(Service::process), db).toList();
    }

    static Optional<StackState> read(Path file) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (NoSuchFileException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            Database database = p.getProperty("db.url") == null ? null : new Database(p.getProperty("db.url"),
                    p.getProperty("db.user"), process(p, "db"));
            List<Service> services = new ArrayList<>();
            for (String name : list(p.getProperty("services", ""))) {
                String prefix = "service." + name;
                services.add(new Service(name, p.getProperty(prefix + ".url"),
                        Integer.parseInt(p.getProperty(prefix + ".port")), process(p, prefix),
                        Boolean.parseBoolean(p.getProperty(prefix + ".recordsAotCache")),
                        Long.parseLong(p.getProperty(prefix + ".readyAfterMillis", "-1")),
                        Long.parseLong(p.getProperty(prefix + ".startupMillis", "-1"))));
            }
            return Optional.of(new StackState(process(p, "launcher"), database, services));
        } catch (RuntimeException e) {
            throw new StackException(file + " is damaged (" + e.getMessage() + "); stop leftover processes by hand", e);
        }
    }

    /** Replaces the file atomically, so a reader never sees half of it. */
    void write(Path file) {
        Properties p = new Properties();
        put(p, "launcher", launcher);
        if (database != null) {
            p.setProperty("db.url", database.displayUrl());
            p.setProperty("db.user", database.user());
            if (database.postmaster() != null) {
                put(p, "db", database.postmaster());
            }
        }
        p.setProperty("services", services.stream().map(Service::name).collect(Collectors.joining(",")));
        for (Service s : services) {
            String prefix = "service." + s.name();
            p.setProperty(prefix + ".url", s.url());
            p.setProperty(prefix + ".port", Integer.toString(s.port()));
            put(p, prefix, s.process());
            p.setProperty(prefix + ".recordsAotCache", Boolean.toString(s.recordsAotCache()));
            p.setProperty(prefix + ".readyAfterMillis", Long.toString(s.readyAfterMillis()));
            p.setProperty(prefix + ".startupMillis", Long.toString(s.startupMillis()));
        }
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (Writer out = Files.newBufferedWriter(tmp)) {
                p.store(out, "Written by ./stack up; read by ./stack status and ./stack down");
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void put(Properties p, String prefix, ProcessRecord process) {
        p.setProperty(prefix + ".pid", Long.toString(process.pid()));
        p.setProperty(prefix + ".start", Long.toString(process.startMillis()));
        p.setProperty(prefix + ".startKey", process.startKey());
    }

    private static ProcessRecord process(Properties p, String prefix) {
        String pid = p.getProperty(prefix + ".pid");
        return pid == null ? null : new ProcessRecord(Long.parseLong(pid), Long.parseLong(p.getProperty(prefix + ".start")),
                p.getProperty(prefix + ".startKey", ""));
    }

    private static List<String> list(String csv) {
        return csv.isBlank() ? List.of() : Arrays.asList(csv.split(","));
    }
}
