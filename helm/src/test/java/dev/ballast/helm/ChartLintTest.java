package dev.ballast.helm;

import com.marcnuri.helm.LintResult;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code helm lint --strict}: warnings fail too. */
class ChartLintTest {

    @Test
    void defaultValuesPassStrictLint() {
        assertClean(Chart.lintStrict());
    }

    @Test
    void productionValuesPassStrictLint() {
        assertClean(Chart.lintStrict(Chart.PRODUCTION));
    }

    private static void assertClean(LintResult result) {
        assertThat(result.isFailed()).as("lint failed: %s", result.getMessages()).isFalse();
        assertThat(result.getMessages()).as("lint messages")
                .noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }
}
