package dev.ballast.helm;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The chart in {@code helm/ballast}, linted and rendered in-process by Helm's own Go code (helm-java), no cluster.
 * A render is a list of values files plus {@code --set} pairs, like the command line.
 */
final class Chart {

    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path DIR = MODULE.resolve("ballast");
    static final Path REPO = MODULE.getParent();
    /** PgBouncer, autoscaling, monitoring, the jobs tick and secrets from an existing Secret: what production runs. */
    static final Path PRODUCTION = MODULE.resolve("src/test/resources/production-values.yaml");
    static final String RELEASE = "ballast";

    private static final YAMLMapper YAML = new YAMLMapper();

    private Chart() {
    }

    static Rendered render(Path... valuesFiles) {
        return render(Map.of(), valuesFiles);
    }

    static Rendered render(Map<String, Object> sets, Path... valuesFiles) {
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace("ballast")
                .withKubeVersion("1.31.0");
        for (Path file : valuesFiles) {
            template = template.withValuesFile(file);
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return Rendered.parse(template.call());
    }

    /** {@code helm lint --strict} with the chart's values, or with these values files merged over them. */
    static LintResult lintStrict(Path... valuesFiles) {
        if (valuesFiles.length == 0) {
            return new Helm(DIR).lint().strict().call();
        }
        // helm-java's lint takes no values file: lint a copy whose values.yaml is the merged values.
        Path copy = copyWithValues(valuesFiles);
        try {
            return new Helm(copy).lint().strict().call();
        } finally {
            delete(copy);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path copyWithValues(Path... valuesFiles) {
        try {
            Path copy = Files.createTempDirectory("ballast-chart-");
            try (Stream<Path> files = Files.walk(DIR)) {
                for (Path source : files.toList()) {
                    Path target = copy.resolve(DIR.relativize(source).toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            Map<String, Object> values = readMap(DIR.resolve("values.yaml"));
            for (Path file : valuesFiles) {
                deepMerge(values, readMap(file));
            }
            YAML.writeValue(copy.resolve("values.yaml").toFile(), values);
            return copy;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> readMap(Path yaml) throws IOException {
        Map<String, Object> map = YAML.readValue(yaml.toFile(), LinkedHashMap.class);
        return map == null ? new LinkedHashMap<>() : map;
    }

    @SuppressWarnings("unchecked")
    private static void deepMerge(Map<String, Object> into, Map<String, Object> from) {
        from.forEach((key, value) -> {
            if (value instanceof Map<?, ?> nested && into.get(key) instanceof Map<?, ?> existing) {
                deepMerge((Map<String, Object>) existing, (Map<String, Object>) nested);
            } else {
                into.put(key, value);
            }
        });
    }

    /** A map inside the chart's default values.yaml, e.g. {@code valuesOf("jobs", "secretEnv")}. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> valuesOf(String... path) {
        try {
            Map<String, Object> map = readMap(DIR.resolve("values.yaml"));
            for (String key : path) {
                map = (Map<String, Object>) map.get(key);
            }
            return map;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** docs/architecture.md's call graph: which services each service calls. */
    static final Map<String, Set<String>> CALLS = Map.of(
            "webhook", Set.of("jobs"),
            "jobs", Set.of("webhook", "integrations"),
            "insights", Set.of("webhook", "integrations"),
            "integrations", Set.of());

    static List<String> services() {
        return List.of("webhook", "jobs", "insights", "integrations");
    }
}
