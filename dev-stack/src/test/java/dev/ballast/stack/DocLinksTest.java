package dev.ballast.stack;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Every relative link in README.md and docs/ points at a file of this repository and, with a #fragment, a heading. */
class DocLinksTest {

    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");

    @Test
    void relativeLinksResolveToFilesAndHeadings() throws IOException {
        List<String> broken = new ArrayList<>();
        for (Path doc : documents()) {
            Matcher m = LINK.matcher(Files.readString(doc));
            while (m.find()) {
                String link = m.group(1);
                if (link.matches("[a-z]+:.*")) {
                    continue;
                }
                int hash = link.indexOf('#');
                Path target = hash == 0 ? doc : doc.getParent().resolve(hash < 0 ? link : link.substring(0, hash)).normalize();
                if (!Files.exists(target) || !target.startsWith(ROOT)) {
                    broken.add(ROOT.relativize(doc) + ": " + link + " (no such file in the repository)");
                } else if (hash >= 0 && !anchors(target).contains(link.substring(hash + 1))) {
                    broken.add(ROOT.relativize(doc) + ": " + link + " (no such heading)");
                }
            }
        }
        assertThat(broken).isEmpty();
    }

    @Test
    void anchorsAreGitHubSlugs() {
        assertThat(slug("## Failure handling (`resilience`)")).isEqualTo("failure-handling-resilience");
        assertThat(slug("### Outbound HTTP: the retry matrix")).isEqualTo("outbound-http-the-retry-matrix");
        assertThat(slug("## Local stack (`./stack`)")).isEqualTo("local-stack-stack");
    }

    private static List<Path> documents() throws IOException {
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            return Stream.concat(Stream.of(ROOT.resolve("README.md")), docs.filter(p -> p.toString().endsWith(".md")))
                    .toList();
        }
    }

    private static Set<String> anchors(Path markdown) throws IOException {
        if (!markdown.toString().endsWith(".md")) {
            return Set.of();
        }
        return Files.readAllLines(markdown).stream().filter(line -> line.startsWith("#"))
                .map(DocLinksTest::slug).collect(Collectors.toSet());
    }

    /** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens. */
    private static String slug(String heading) {
        return heading.replaceFirst("^#+\\s*", "").toLowerCase(Locale.ROOT)
                .replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-');
    }
}
