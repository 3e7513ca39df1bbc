package dev.ballast.stack;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Properties;

/**
 * One process of the stack: the provider sandbox or one of the four services; its name (also its Maven module), fixed
 * port and runnable jar.
 */
record ServiceSpec(String name, int port, Path jar) {

    static List<ServiceSpec> all(Path root) {
        String version = buildVersion();
        return List.of(
                of(root, ProviderSandbox.NAME, ProviderSandbox.PORT, version),
                of(root, "webhook-service", 8081, version),
                of(root, "jobs-service", 8082, version),
                of(root, "insights-service", 8083, version),
                of(root, "integrations-service", 8084, version));
    }

    static Optional<ServiceSpec> named(Path root, String name) {
        return all(root).stream().filter(s -> s.name().equals(name)).findFirst();
    }

    String url() {
        return "http://localhost:" + port;
    }

    private static ServiceSpec of(Path root, String name, int port, String version) {
        return new ServiceSpec(name, port, root.resolve(name).resolve("target").resolve(name + "-" + version + ".jar"));
    }

    // The launcher is built in the same reactor as the services, so it runs the jars of its own version.
    private static String buildVersion() {
        try (InputStream in = ServiceSpec.class.getResourceAsStream("build.properties")) {
            if (in == null) {
                throw new IllegalStateException("build.properties missing from the launcher jar");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
