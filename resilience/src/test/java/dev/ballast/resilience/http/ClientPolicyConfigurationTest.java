package dev.ballast.resilience.http;

import io.micronaut.context.ApplicationContext;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.inject.qualifiers.Qualifiers;
import io.micronaut.retry.annotation.Retryable;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code ballast.clients.<id>.*}: every key, its default, and the checks on nonsense. */
class ClientPolicyConfigurationTest {

    @Client(id = "stacked")
    interface StackedRetryClient {
        @Get("/x")
        @Retryable(delay = "1ms")
        String x();
    }

    private static ClientPolicy policy(ApplicationContext ctx, String id) {
        return ctx.getBean(ClientPolicy.class, Qualifiers.byName(id));
    }

    @Test
    void anEmptyEntryGetsTheDesignDefaults() {
        try (ApplicationContext ctx = ApplicationContext.run(Map.of("ballast.clients.jobs.enabled", true))) {
            ClientPolicy jobs = policy(ctx, "jobs");
            assertThat(jobs.id()).isEqualTo("jobs");
            assertThat(jobs.attempts()).isEqualTo(3);
            assertThat(jobs.base()).isEqualTo(Duration.ofMillis(200));
            assertThat(jobs.cap()).isEqualTo(Duration.ofSeconds(10));
            assertThat(jobs.timeout()).isNull();
            assertThat(jobs.deadline()).isEqualTo(Duration.ofSeconds(60));
            assertThat(jobs.propagateDeadline()).isTrue();
            assertThat(jobs.budget()).isEqualTo(new ClientPolicy.Budget(0.2, 10, Duration.ofSeconds(10)));
            assertThat(jobs.breaker()).isEqualTo(new ClientPolicy.Breaker(true, null, 50, 20, 10, Duration.ofSeconds(30)));
            // no read timeout configured for the service: Micronaut's 10 s
            assertThat(ctx.getBean(ClientPolicies.class).forClient("jobs").orElseThrow().timeoutMillis()).isEqualTo(10_000);
        }
    }

    @Test
    void everyKeyBinds() {
        try (ApplicationContext ctx = ApplicationContext.run(Map.ofEntries(
            Map.entry("ballast.clients.llm.attempts", 2),
            Map.entry("ballast.clients.llm.base", "1s"),
            Map.entry("ballast.clients.llm.cap", "20s"),
            Map.entry("ballast.clients.llm.timeout", "30s"),
            Map.entry("ballast.clients.llm.deadline", "90s"),
            Map.entry("ballast.clients.llm.propagate-deadline", false),
            Map.entry("ballast.clients.llm.budget.ratio", 0.1),
            Map.entry("ballast.clients.llm.budget.min-retries", 3),
            Map.entry("ballast.clients.llm.budget.window", "30s"),
            Map.entry("ballast.clients.llm.breaker.enabled", false),
            Map.entry("ballast.clients.llm.breaker.provider", "openai"),
            Map.entry("ballast.clients.llm.breaker.failure-rate-threshold", 25),
            Map.entry("ballast.clients.llm.breaker.sliding-window-size", 40),
            Map.entry("ballast.clients.llm.breaker.minimum-number-of-calls", 5),
            Map.entry("ballast.clients.llm.breaker.wait-duration-in-open-state", "1m")))) {
            ClientPolicy llm = policy(ctx, "llm");
            assertThat(llm).isEqualTo(new ClientPolicy("llm", true, 2, Duration.ofSeconds(1), Duration.ofSeconds(20),
                Duration.ofSeconds(30), Duration.ofSeconds(90), false,
                new ClientPolicy.Budget(0.1, 3, Duration.ofSeconds(30)),
                new ClientPolicy.Breaker(false, "openai", 25, 40, 5, Duration.ofMinutes(1))));
            assertThat(ctx.getBean(ClientPolicies.class).forClient("llm").orElseThrow().timeoutMillis()).isEqualTo(30_000);
        }
    }

    @Test
    void theTryTimeoutDefaultsToTheServiceReadTimeout() {
        try (ApplicationContext ctx = ApplicationContext.run(Map.of(
            "micronaut.http.services.jobs.read-timeout", "3s",
            "ballast.clients.jobs.attempts", 3))) {
            assertThat(ctx.getBean(ClientPolicies.class).forClient("jobs").orElseThrow().timeoutMillis()).isEqualTo(3_000);
        }
    }

    @Test
    void aDisabledOrMissingPolicyAppliesNothing() {
        try (ApplicationContext ctx = ApplicationContext.run(Map.of("ballast.clients.jobs.enabled", false))) {
            assertThat(ctx.getBean(ClientPolicies.class).forClient("jobs")).isEmpty();
            assertThat(ctx.getBean(ClientPolicies.class).forClient("nobody")).isEmpty();
        }
    }

    @Test
    void nonsenseIsRefusedAtStartOfUse() {
        try (ApplicationContext ctx = ApplicationContext.run(Map.of("ballast.clients.jobs.attempts", 0))) {
            assertThatThrownBy(() -> policy(ctx, "jobs")).hasRootCauseMessage("ballast.clients.jobs.attempts must be at least 1");
        }
    }

    @Test
    void aClientThatAlsoUsesMicronautRetryIsRefusedRatherThanRetriedTwice() {
        try (ApplicationContext ctx = ApplicationContext.run(Map.of(
            "micronaut.http.services.stacked.url", "http://127.0.0.1:1",
            "ballast.clients.stacked.attempts", 3))) {
            assertThatThrownBy(() -> ctx.getBean(StackedRetryClient.class).x())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("multiply");
        }
    }
}
