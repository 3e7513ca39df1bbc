package dev.ballast.resilience.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Micrometer counters of the outbound HTTP policy. All carry {@code client}; outcomes are a status family
 * ({@code 2xx}, {@code 4xx}, {@code 429}, {@code 503}, {@code 5xx}), {@code aborted} or {@code error}, and
 * {@code abort} is an {@link AbortClass} tag or {@code none}.
 */
final class ClientCallMetrics {

    static final String CALLS = "ballast.http.client.calls";
    static final String ATTEMPTS = "ballast.http.client.attempts";
    static final String RETRIES = "ballast.http.client.retries";
    static final String GIVEUPS = "ballast.http.client.giveups";
    static final String BUDGET_EXHAUSTED = "ballast.http.client.budget.exhausted";

    private final MeterRegistry registry;

    ClientCallMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A call finished, successfully or not (one per call, whatever its number of tries). */
    void call(String client, String outcome, String abort) {
        Counter.builder(CALLS).description("Outbound HTTP calls by final outcome")
            .tags("client", client, "outcome", outcome, "abort", abort).register(registry).increment();
    }

    /** One try went over the wire (or was cut short). */
    void attempt(String client, CallOutcome outcome) {
        Counter.builder(ATTEMPTS).description("Outbound HTTP tries by outcome")
            .tags("client", client, "outcome", outcome.tag(), "abort", outcome.abortTag()).register(registry).increment();
    }

    /** A retry was scheduled after {@code outcome}. */
    void retry(String client, CallOutcome outcome) {
        Counter.builder(RETRIES).description("Outbound HTTP retries by the outcome that caused them")
            .tags("client", client, "outcome", outcome.tag(), "abort", outcome.abortTag()).register(registry).increment();
    }

    /** A failed call was not tried again. */
    void giveUp(String client, GiveUpReason reason, String outcome, String abort) {
        Counter.builder(GIVEUPS).description("Outbound HTTP calls that failed for good, by reason")
            .tags("client", client, "reason", reason.tag(), "outcome", outcome, "abort", abort).register(registry).increment();
    }

    /** A retry the matrix allowed was refused by the retry budget. */
    void budgetExhausted(String client) {
        Counter.builder(BUDGET_EXHAUSTED).description("Retries refused because the client's retry budget was spent")
            .tags("client", client).register(registry).increment();
    }
}
