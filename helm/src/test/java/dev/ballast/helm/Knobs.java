package dev.ballast.helm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A service's knobs as the repository documents them when the test runs: every {@code ${VAR:default}} of its
 * application.yml and {@code ${VAR:-default}} of its logback.xml (name → default), and every variable named in
 * docs/configuration.md under "All services" or the service's own section.
 */
record Knobs(Map<String, String> defaults, Set<String> documented) {

    private static final Pattern YML = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::(`[^`]*`|[^}]*))?}");
    private static final Pattern LOGBACK = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*):-([^}]*)}");
    private static final Pattern NAME = Pattern.compile("`([A-Z][A-Z0-9_]*)`");
    /** Knobs that hold secrets: they must come from a Secret, never from a ConfigMap. */
    static final Pattern SECRET = Pattern.compile("TOKEN|SECRET|PASSWORD|CREDENTIAL|_KEY$|^DATABASE_URL$|^DATABASE_USER$");

    static Knobs of(String service) {
        Path module = Chart.REPO.resolve(service + "-service/src/main/resources");
        Map<String, String> defaults = new LinkedHashMap<>();
        collect(YML, read(module.resolve("application.yml")), defaults);
        if (Files.exists(module.resolve("logback.xml"))) {
            collect(LOGBACK, read(module.resolve("logback.xml")), defaults);
        }
        return new Knobs(defaults, documented(read(Chart.REPO.resolve("docs/configuration.md")), service));
    }

    /** Every knob name: the code's and the documentation's. */
    Set<String> names() {
        Set<String> all = new LinkedHashSet<>(defaults.keySet());
        all.addAll(documented);
        return all;
    }

    static boolean secret(String name) {
        return SECRET.matcher(name).find();
    }

    private static void collect(Pattern pattern, String text, Map<String, String> into) {
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            into.putIfAbsent(m.group(1), unquote(m.group(2) == null ? "" : m.group(2)));
        }
    }

    private static Set<String> documented(String markdown, String service) {
        Set<String> names = new LinkedHashSet<>();
        boolean inSection = false;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("## ")) {
                String title = line.substring(3).trim();
                inSection = title.equals("All services") || title.equals(service + "-service");
            } else if (inSection && line.startsWith("| `")) {
                String firstCell = line.substring(1, line.indexOf('|', 1));
                Matcher m = NAME.matcher(firstCell);
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    private static String unquote(String value) {
        String v = value.trim();
        return v.length() >= 2 && v.startsWith("`") && v.endsWith("`") ? v.substring(1, v.length() - 1) : v;
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
