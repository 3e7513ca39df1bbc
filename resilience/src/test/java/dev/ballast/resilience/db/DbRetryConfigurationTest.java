package dev.ballast.resilience.db;

import dev.ballast.resilience.db.DbRetry.Policy;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The {@link DbRetry} bean and its {@code ballast.db.retry.*} knobs. */
class DbRetryConfigurationTest {

    @Test
    void withoutConfigurationTheDefaultsOfDesignMdApply() {
        try (ApplicationContext context = ApplicationContext.run()) {
            DbRetry retry = context.getBean(DbRetry.class);

            assertThat(retry.policy()).isEqualTo(new Policy(3, Duration.ofMillis(200), Duration.ofSeconds(5)));
            assertThat(retry.policy()).isEqualTo(Policy.DEFAULT);
            assertThat(retry.newCircuit("tick").threshold()).isEqualTo(3);
        }
    }

    @Test
    void everyKnobIsReadFromConfiguration() {
        try (ApplicationContext context = ApplicationContext.run(Map.of(
                "ballast.db.retry.max-retries", "1",
                "ballast.db.retry.base", "50ms",
                "ballast.db.retry.cap", "2s",
                "ballast.db.retry.circuit-threshold", "5"))) {
            DbRetry retry = context.getBean(DbRetry.class);

            assertThat(retry.policy()).isEqualTo(Policy.of(1, 50, 2_000));
            assertThat(retry.newCircuit("tick").threshold()).isEqualTo(5);
        }
    }

    @Test
    void nonsenseIsRefusedAtStartUpNamingTheKnobs() {
        try (ApplicationContext context = ApplicationContext.run(Map.of(
                "ballast.db.retry.base", "2s",
                "ballast.db.retry.cap", "1s"))) {
            assertThatThrownBy(() -> context.getBean(DbRetry.class)).hasStackTraceContaining("ballast.db.retry");
        }
        try (ApplicationContext context = ApplicationContext.run(Map.of("ballast.db.retry.max-retries", "-1"))) {
            assertThatThrownBy(() -> context.getBean(DbRetry.class)).hasStackTraceContaining("maxRetries must be >= 0");
        }
        try (ApplicationContext context = ApplicationContext.run(Map.of("ballast.db.retry.circuit-threshold", "0"))) {
            assertThatThrownBy(() -> context.getBean(DbRetry.class)).hasStackTraceContaining("circuit-threshold");
        }
    }

    @Test
    void countsGoToTheApplicationsMeterRegistry() throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        try (ApplicationContext context = ApplicationContext.builder().singletons(registry).start()) {
            DbRetry retry = context.getBean(DbRetry.class);

            assertThat(retry.statement("ping", () -> 1)).isEqualTo(1);

            assertThat(registry.get("ballast.db.retry.attempts")
                    .tags("operation", "ping", "unit", "statement", "outcome", "success").counter().count()).isEqualTo(1);
        }
    }
}
