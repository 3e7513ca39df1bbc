package dev.ballast.stack;

import java.nio.file.Path;

/** Where the launcher keeps its state: everything under {@code .stack/} at the repository root (git-ignored). */
record StackPaths(Path root, Path dir) {

    static StackPaths under(Path root) {
        Path normalized = root.toAbsolutePath().normalize();
        return new StackPaths(normalized, normalized.resolve(".stack"));
    }

    Path logs() {
        return dir.resolve("logs");
    }

    Path log(String name) {
        return logs().resolve(name + ".log");
    }

    Path aotCaches() {
        return dir.resolve("aot");
    }

    Path pgData() {
        return dir.resolve("pg").resolve("data");
    }

    Path stateFile() {
        return dir.resolve("stack.state");
    }

    Path secretsFile() {
        return dir.resolve("secrets.env");
    }

    Path lockFile() {
        return dir.resolve("stack.lock");
    }

    /** For messages: paths inside the repository are shown relative to it. */
    String show(Path path) {
        return path.startsWith(root) ? root.relativize(path).toString() : path.toString();
    }
}
