/**
 * Outbound HTTP failure handling (docs/architecture.md, "Failure rules"), applied to declarative {@code @Client}s by
 * configuration alone.
 *
 * <h2>Pure decisions</h2>
 * {@link dev.ballast.resilience.http.RetryMatrix#decide} is the retry matrix as a function of method, declared
 * idempotency and {@link dev.ballast.resilience.http.CallOutcome}; {@link dev.ballast.resilience.http.AbortClassifier}
 * sorts client failures into {@link dev.ballast.resilience.http.AbortClass}es; {@link dev.ballast.resilience.http.RetryAfter}
 * reads both header forms. All three are synchronous and allocation-light, for direct use and benchmarks.
 *
 * <h2>Configuration: {@code ballast.clients.<client-id>.*}</h2>
 * A {@code @Client(id = "x")} gets a policy when {@code ballast.clients.x} exists (see
 * {@link dev.ballast.resilience.http.ClientPolicy}); base URL and connect/read timeouts stay in
 * {@code micronaut.http.services.x.*}.
 * <pre>
 * enabled                  true
 * attempts                 3        tries per call, the first included
 * base / cap               200ms / 10s   full-jitter backoff; cap also bounds an honoured Retry-After
 * timeout                  micronaut.http.services.x.read-timeout, else 10s   per try, shortened by the deadline
 * deadline                 60s      whole call; a sooner propagated Deadline wins
 * propagate-deadline       true     send X-Ballast-Deadline-Ms (turn off for third-party providers)
 * budget.ratio             0.2      retries per call over the window ...
 * budget.min-retries       10       ... plus this floor
 * budget.window            10s
 * breaker.enabled          true     one Resilience4j breaker per (provider, workspace)
 * breaker.provider         the client id
 * breaker.failure-rate-threshold        50 (%)
 * breaker.sliding-window-size           20 (tries)
 * breaker.minimum-number-of-calls       10
 * breaker.wait-duration-in-open-state   30s, then one half-open probe
 * </pre>
 * A POST counts as idempotent when the request carries {@code Idempotency-Key} (set by a parameter or any other
 * client filter) or its method or interface is {@link dev.ballast.resilience.http.SideEffectFree}. The workspace of a
 * call comes from {@link dev.ballast.resilience.http.WorkspaceScope}, its deadline from
 * {@link dev.ballast.resilience.http.Deadline} (set by callers, or read from {@code X-Ballast-Deadline-Ms} by the
 * server filter).
 *
 * <h2>Metrics (Micrometer)</h2>
 * <pre>
 * ballast.http.client.calls{client,outcome,abort}          one per call, by final outcome
 * ballast.http.client.attempts{client,outcome,abort}       one per try
 * ballast.http.client.retries{client,outcome,abort}        retries, by the outcome that caused them
 * ballast.http.client.giveups{client,reason,outcome,abort} failed calls not tried again, by GiveUpReason
 * ballast.http.client.budget.exhausted{client}             retries refused by the budget
 * resilience4j.circuitbreaker.*{name="provider/workspace"} breaker state, calls, failure rate
 * </pre>
 * outcome: {@code 2xx 3xx 4xx 429 503 5xx aborted error}; abort: {@code timeout connect_failed connection_reset
 * caller_cancelled shutdown none}.
 *
 * <h2>Ours, Micronaut Retry's, Resilience4j's</h2>
 * The matrix, classification, Retry-After, deadline, budget and the interceptor that applies them are ours because
 * Micronaut Retry's {@code @Retryable} sees only the exception: its predicate cannot see the request's method or
 * {@code Idempotency-Key}, its delays (delay x multiplier, partial jitter) cannot honour {@code Retry-After}, it has
 * no deadline and no retry budget, and it would need an annotation on every client method. It remains the tool for
 * retrying a local unit of work; on a client that also has a {@code ballast.clients} policy it is refused, since the
 * two would multiply attempts. Circuit breakers are Resilience4j's ({@code CircuitBreakerRegistry}), because
 * Micronaut's {@code @CircuitBreaker} is one breaker per method and cannot be keyed by workspace.
 */
package dev.ballast.resilience.http;
