package dev.ballast.resilience;

import io.micronaut.core.annotation.Nullable;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** Walks a failure's cause chain, each throwable once: a chain that loops back on itself ends where it loops. */
public final class Causes {

    private Causes() {
    }

    /** The failure, its cause, that one's cause and so on; empty for null. */
    public static List<Throwable> chain(@Nullable Throwable failure) {
        List<Throwable> out = new ArrayList<>(4);
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable t = failure; t != null && seen.add(t); t = t.getCause()) {
            out.add(t);
        }
        return out;
    }

    /** Whether anything in the chain matches. */
    public static boolean any(@Nullable Throwable failure, Predicate<Throwable> test) {
        for (Throwable t : chain(failure)) {
            if (test.test(t)) {
                return true;
            }
        }
        return false;
    }

    /** The first throwable of the chain that is a {@code type}. */
    public static <T extends Throwable> Optional<T> find(@Nullable Throwable failure, Class<T> type) {
        for (Throwable t : chain(failure)) {
            if (type.isInstance(t)) {
                return Optional.of(type.cast(t));
            }
        }
        return Optional.empty();
    }

    /** The last throwable of the chain. */
    public static Throwable root(Throwable failure) {
        return chain(failure).getLast();
    }
}
