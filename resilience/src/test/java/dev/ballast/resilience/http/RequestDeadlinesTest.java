package dev.ballast.resilience.http;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RequestDeadlinesTest {

    private final RequestDeadlines deadlines = new RequestDeadlines(Duration.ofSeconds(4),
            List.of("/admin/=5s", "/cron/=0s", "/slow/=1500ms"));

    @Test
    void aRouteGetsItsOwnDeadlineAndEveryOtherPathTheApiDefault() {
        assertThat(deadlines.budgetFor("/admin/jobs")).isEqualTo(Duration.ofSeconds(5));
        assertThat(deadlines.budgetFor("/slow/thing")).isEqualTo(Duration.ofMillis(1500));
        assertThat(deadlines.budgetFor("/jobs")).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void aZeroRouteLeavesTheEndpointToSetItsOwn() {
        assertThat(deadlines.budgetFor("/cron/jobs/run")).isNull();
        assertThat(new RequestDeadlines(Duration.ZERO, null).budgetFor("/jobs")).isNull();
    }

    @Test
    void aMalformedRouteIsRefusedAtStartUpNamingIt() {
        assertThatThrownBy(() -> new RequestDeadlines(Duration.ofSeconds(1), List.of("/admin/")))
                .hasMessageContaining("'/admin/'");
        assertThatThrownBy(() -> new RequestDeadlines(Duration.ofSeconds(1), List.of("/admin/=soon")))
                .hasMessageContaining("'/admin/=soon'");
    }
}
