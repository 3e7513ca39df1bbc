package dev.ballast.stack;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/configuration.md cannot drift from the code: every {@code ${VAR:default}} of every module's application.yml is
 * documented there, in its module's section or under "All services", with the same default.
 *
 * <p>A row names one or more variables ({@code `A` / `B`}) and gives their defaults in the same order
 * ({@code 3 / `2s`}); a parenthesis after the defaults is a note, except {@code module: value} pairs in it, which are
 * that module's own default ({@code 3000 (webhook: 1000)}). "none", "empty" and "unset" mean an empty default; a
 * prose default (not in backticks, e.g. "host name + random suffix") documents an empty one computed by the code.
 */
class ConfigurationDocTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Path DOC = ROOT.resolve("docs/configuration.md");
    private static final String ALL_SERVICES = "All services";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::(`[^`]*`|[^}]*))?}");
    private static final Pattern NAME = Pattern.compile("`([A-Z][A-Z0-9_]*)`");
    private static final Pattern OVERRIDE = Pattern.compile("([a-z-]+): (`[^`]*`|[^,)]+)");
    private static final Set<String> EMPTY_WORDS = Set.of("none", "empty", "unset", "");

    @Test
    void everyPlaceholderOfEveryApplicationYmlIsDocumentedWithItsDefault() throws IOException {
        Map<String, Map<String, String>> documented = documented(Files.readString(DOC));
        List<String> problems = new ArrayList<>();
        Map<String, Map<String, String>> used = placeholders();
        assertThat(used).as("application.yml files found").containsKeys("webhook-service", "jobs-service");
        used.forEach((module, vars) -> vars.forEach((name, ymlDefault) -> {
            Optional<String> doc = lookUp(documented, module, name);
            if (doc.isEmpty()) {
                problems.add(module + ": " + name + " (default '" + ymlDefault + "') is not in docs/configuration.md");
            } else if (!sameDefault(doc.get(), ymlDefault)) {
                problems.add(module + ": " + name + " defaults to '" + ymlDefault + "' but docs/configuration.md says '"
                        + doc.get() + "'");
            }
        }));
        assertThat(problems).as("configuration drift").isEmpty();
    }

    @Test
    void readsRowsWithSeveralNamesNotesAndPerModuleDefaults() {
        String doc = """
                ## All services

                | environment variable | default | what |
                |---|---|---|
                | `POOL` | 3000 (webhook: 1000, below its budget) | pool |
                | `ROUTES` | `/a/=5s,/b/=0s` (webhook: `/a/=5s,/w/=0s`) | routes |

                ## jobs-service

                | environment variable | property | default | what |
                |---|---|---|---|
                | `A` / `B` / `C` | `x.a` | 3 / `2s` / `0s` (= lease / 3) | a, b and c |
                | `TOKEN` | `x.t` | none | token |
                | `AUTO` / `EACH1` / `EACH2` | `x.a` | 0 (= min(8, batch)) | auto |
                | `P1` / `P2` | `x.p` | `5s` each | per provider |
                """;
        Map<String, Map<String, String>> documented = documented(doc);

        assertThat(lookUp(documented, "webhook-service", "POOL")).contains("1000");
        assertThat(lookUp(documented, "jobs-service", "POOL")).contains("3000");
        assertThat(lookUp(documented, "webhook-service", "ROUTES")).contains("`/a/=5s,/w/=0s`");
        assertThat(lookUp(documented, "jobs-service", "ROUTES")).contains("`/a/=5s,/b/=0s`");
        assertThat(lookUp(documented, "jobs-service", "C")).contains("`0s`");
        assertThat(lookUp(documented, "jobs-service", "B")).contains("`2s`");
        assertThat(lookUp(documented, "webhook-service", "A")).isEmpty();
        assertThat(sameDefault(lookUp(documented, "jobs-service", "TOKEN").orElseThrow(), "")).isTrue();
        assertThat(sameDefault("2s", "3s")).isFalse();
        assertThat(lookUp(documented, "jobs-service", "EACH2")).contains("0");
        assertThat(lookUp(documented, "jobs-service", "P2")).contains("`5s`");
        assertThat(sameDefault("host name + random suffix", "")).isTrue();
        assertThat(sameDefault("host name + random suffix", "x")).isFalse();
    }

    /** module → variable → default (backticks and Micronaut's quoting removed) from every module's application.yml. */
    private static Map<String, Map<String, String>> placeholders() throws IOException {
        Map<String, Map<String, String>> used = new TreeMap<>();
        try (Stream<Path> files = Files.find(ROOT, 5, (path, attrs) -> path.endsWith("src/main/resources/application.yml"))) {
            for (Path yml : files.filter(p -> !ROOT.relativize(p).startsWith("bench")).toList()) {
                String module = ROOT.relativize(yml).getName(0).toString();
                Matcher m = PLACEHOLDER.matcher(Files.readString(yml));
                Map<String, String> vars = used.computeIfAbsent(module, k -> new TreeMap<>());
                while (m.find()) {
                    vars.put(m.group(1), unquote(m.group(2) == null ? "" : m.group(2)));
                }
            }
        }
        return used;
    }

    /** section ("All services" or a module name) → variable → the documented default cell, resolved per name. */
    private static Map<String, Map<String, String>> documented(String markdown) {
        Map<String, Map<String, String>> sections = new LinkedHashMap<>();
        String section = "";
        int defaultColumn = -1;
        for (String line : markdown.split("\n")) {
            if (line.startsWith("## ")) {
                section = line.substring(3).trim();
            } else if (line.startsWith("| environment variable")) {
                defaultColumn = cells(line).indexOf("default");
            } else if (line.startsWith("| `") && defaultColumn > 0) {
                List<String> cells = cells(line);
                List<String> names = new ArrayList<>();
                Matcher n = NAME.matcher(cells.get(0));
                while (n.find()) {
                    names.add(n.group(1));
                }
                String cell = cells.get(defaultColumn);
                String values = withoutNotes(cell);
                String[] split = values.split(" / ");
                Map<String, String> rows = sections.computeIfAbsent(section, k -> new LinkedHashMap<>());
                for (int i = 0; i < names.size(); i++) {
                    String value = split.length == names.size() ? split[i] : values.replaceFirst(" each$", "");
                    rows.put(names.get(i), value);
                    Matcher o = OVERRIDE.matcher(parenthesis(cell));
                    while (o.find()) {
                        rows.put(o.group(1) + ":" + names.get(i), o.group(2));
                    }
                }
            }
        }
        return sections;
    }

    private static Optional<String> lookUp(Map<String, Map<String, String>> documented, String module, String name) {
        Map<String, String> own = documented.getOrDefault(module, Map.of());
        if (own.containsKey(name)) {
            return Optional.of(own.get(name));
        }
        Map<String, String> all = documented.getOrDefault(ALL_SERVICES, Map.of());
        String shortName = module.replace("-service", "");
        return Optional.ofNullable(all.getOrDefault(shortName + ":" + name, all.get(name)));
    }

    private static boolean sameDefault(String documented, String ymlDefault) {
        String doc = documented.trim();
        boolean quoted = doc.startsWith("`");
        String value = unquote(doc);
        if (ymlDefault.isEmpty()) {
            return EMPTY_WORDS.contains(value) || !quoted && !value.matches("[\\w.:/-]+");
        }
        return value.equals(ymlDefault);
    }

    /** The cell without its parenthesised notes, nested ones included ({@code 0 (= min(8, batch))} is {@code 0}). */
    private static String withoutNotes(String cell) {
        String previous;
        String values = cell;
        do {
            previous = values;
            values = values.replaceAll("\\s*\\((?:[^()`]|`[^`]*`)*\\)", "");
        } while (!values.equals(previous));
        return values.trim();
    }

    private static String parenthesis(String cell) {
        int open = cell.indexOf(" (");
        return open < 0 ? "" : cell.substring(open);
    }

    private static String unquote(String value) {
        String v = value.trim();
        return v.length() >= 2 && v.startsWith("`") && v.endsWith("`") ? v.substring(1, v.length() - 1) : v;
    }

    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        for (String cell : row.substring(1, row.lastIndexOf('|')).split("\\|")) {
            cells.add(cell.trim());
        }
        return cells;
    }
}
