package dev.ballast.stack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The one place that decides how a service JVM is started; {@code ./stack up} and {@code bench/startup} both use it.
 *
 * <p>Measured on this project's 2-vCPU machine (webhook-service, time to ready / RSS once ready): plain JVM 2.5 s /
 * 200 MB, AppCDS (-XX:+AutoCreateSharedArchive) 1.2 s / 200 MB, JDK 25 AOT cache (JEP 483/514/515) 0.96 s / 162 MB.
 * Serial GC, compact object headers and a small -Xms did not lower RSS (Serial GC even used more CPU to get ready),
 * and C1-only would cost steady-state throughput, so the AOT cache is the only start-up flag. It holds loaded and
 * linked classes and method profiles; the JIT and peak throughput are unchanged.
 *
 * <p>The first run of a given jar, JDK and JAVA_OPTS records the cache (that run starts and stops slower: the JVM
 * assembles the cache when it exits); later runs use it. The cache file name carries a digest of those inputs, so a
 * rebuilt jar or other flags simply record a new one instead of running with a cache the JVM would reject.
 */
final class ServiceJvm {

    /** A full command line, and whether this run records the AOT cache rather than using it. */
    record Command(List<String> argv, boolean recordsAotCache) {
    }

    private static final int AOT_CACHE_MIN_FEATURE = 25;

    private final StackPaths paths;
    private final StackSettings settings;

    ServiceJvm(StackPaths paths, StackSettings settings) {
        this.paths = paths;
        this.settings = settings;
    }

    Command command(ServiceSpec service) {
        if (!Files.isRegularFile(service.jar())) {
            throw new StackException(service.name() + " is not built: " + paths.show(service.jar())
                    + " is missing (./stack builds it, or run ./mvnw -DskipTests install)");
        }
        List<String> argv = new ArrayList<>();
        argv.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        boolean records = false;
        if (settings.aot() && Runtime.version().feature() >= AOT_CACHE_MIN_FEATURE) {
            Path cache = aotCache(service);
            if (usable(cache)) {
                argv.add("-XX:AOTCache=" + cache);
            } else {
                prepareRecording(service, cache);
                argv.add("-XX:AOTCacheOutput=" + cache);
                // Recording warns about every class it cannot link (netty's optional OpenSSL, ...): noise, not news.
                argv.add("-Xlog:aot=error");
                records = true;
            }
        }
        argv.addAll(settings.javaOpts());
        argv.add("-jar");
        argv.add(service.jar().toString());
        return new Command(List.copyOf(argv), records);
    }

    private Path aotCache(ServiceSpec service) {
        try {
            String inputs = String.join("\n",
                    service.jar().toAbsolutePath().toString(),
                    Long.toString(Files.size(service.jar())),
                    Long.toString(Files.getLastModifiedTime(service.jar()).toMillis()),
                    System.getProperty("java.home"),
                    System.getProperty("java.runtime.version"),
                    String.join(" ", settings.javaOpts()));
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(inputs.getBytes(StandardCharsets.UTF_8));
            String key = HexFormat.of().formatHex(digest, 0, 6);
            return paths.aotCaches().resolve(service.name() + "-" + key + ".aot");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    // The JVM deletes its temporary ".config" file only once the cache is complete: one left over means a run
    // was killed while recording, and the cache next to it cannot be trusted.
    private static boolean usable(Path cache) {
        try {
            return Files.isRegularFile(cache) && Files.size(cache) > 0 && !Files.exists(configOf(cache));
        } catch (IOException e) {
            return false;
        }
    }

    // Caches recorded from an older build of the jar can never be used again; those for other JAVA_OPTS can.
    private void prepareRecording(ServiceSpec service, Path cache) {
        try {
            Files.createDirectories(cache.getParent());
            FileTime built = Files.getLastModifiedTime(service.jar());
            try (DirectoryStream<Path> files = Files.newDirectoryStream(cache.getParent(), service.name() + "-*.aot*")) {
                for (Path file : files) {
                    boolean thisKey = file.getFileName().toString().startsWith(cache.getFileName().toString());
                    if (thisKey || Files.getLastModifiedTime(file).compareTo(built) < 0) {
                        Files.deleteIfExists(file);
                    }
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path configOf(Path cache) {
        return cache.resolveSibling(cache.getFileName() + ".config");
    }
}
