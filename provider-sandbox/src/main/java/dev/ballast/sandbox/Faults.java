package dev.ballast.sandbox;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

/** The faults switched on, read on every request: the first that matches and whose dice roll hits, wins. */
final class Faults {

    private final List<Fault> active = new CopyOnWriteArrayList<>();

    void add(Fault fault) {
        active.add(fault.validated());
    }

    void clear() {
        active.clear();
    }

    /** Switches off the faults named for {@code workspace} (exactly that part of a credential); others stay. */
    void clear(String workspace) {
        active.removeIf(f -> f.workspace().equals(workspace));
    }

    List<Fault> list() {
        return List.copyOf(active);
    }

    /** The fault that hits a request to {@code provider} made with {@code credential}, or null. */
    Fault hit(String provider, String credential) {
        for (Fault f : active) {
            boolean providerMatches = "*".equals(f.provider()) || f.provider().equals(provider);
            boolean workspaceMatches = f.workspace().isEmpty() || credential.contains(f.workspace());
            if (providerMatches && workspaceMatches && ThreadLocalRandom.current().nextDouble() < f.rate()) {
                return f;
            }
        }
        return null;
    }
}
