package dev.ballast.resilience.api;

import org.junit.jupiter.api.Test;

import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestValuesTest {

    @Test
    void wholeNumbersAtLeastTheMinimumPassEverythingElseIsA400NamingIt() {
        assertThat(RequestValues.wholeNumber(" 42 ", 1, "invalid_limit", "limit")).isEqualTo(42);
        assertThat(RequestValues.wholeNumber("0", 0, "invalid_after", "after")).isZero();
        for (String bad : new String[] {null, "", "0", "-1", "1.5", "abc", "1 OR 1=1", "'; DROP TABLE jobs; --",
                "99999999999999999999", "１２"}) {
            assertThatThrownBy(() -> RequestValues.wholeNumber(bad, 1, "invalid_limit", "limit must be positive"))
                    .isInstanceOfSatisfying(ProblemException.class, e -> assertThat(e.getMessage())
                            .contains("limit must be positive"));
        }
    }

    @Test
    void workspaceIdsAreUuidsNullStaysNull() {
        UUID id = UUID.randomUUID();
        assertThat(RequestValues.workspaceId(id.toString())).isEqualTo(id);
        assertThat(RequestValues.workspaceId(" " + id + " ")).isEqualTo(id);
        assertThat(RequestValues.workspaceId(null)).isNull();
        for (String bad : new String[] {"", "1-1-1-1-1", id + "x", "' OR 1=1 --", id.toString().replace('-', 'g')}) {
            assertThatThrownBy(() -> RequestValues.workspaceId(bad)).isInstanceOf(ProblemException.class)
                    .hasMessageContaining("workspaceId");
        }
    }
}
