package dev.ballast.resilience.http;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.ApplicationContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static dev.ballast.resilience.http.WireMockSupport.count;
import static dev.ballast.resilience.http.WireMockSupport.counter;
import static org.assertj.core.api.Assertions.assertThat;

/** A dependency that fails every call gets at most 20 % more traffic (plus the floor), not three times as much. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RetryBudgetUnderFailureTest {

    private static final int CALLS = 1_000;
    private static final int MIN_RETRIES = 10;

    private WireMockServer wireMock;
    private ApplicationContext context;

    @BeforeAll
    void start() {
        wireMock = WireMockSupport.startWireMock();
        context = ApplicationContext.run(Map.of(
            "micronaut.http.services.crm.url", wireMock.baseUrl(),
            "ballast.clients.crm.attempts", 3,
            "ballast.clients.crm.base", "1ms",
            "ballast.clients.crm.cap", "1ms",
            "ballast.clients.crm.budget.ratio", 0.2,
            "ballast.clients.crm.budget.min-retries", MIN_RETRIES,
            // one window for the whole run, so the bound below is exact
            "ballast.clients.crm.budget.window", "10m",
            // an open breaker would stop the traffic first and hide the budget
            "ballast.clients.crm.breaker.enabled", false));
    }

    @AfterAll
    void stop() {
        context.close();
        wireMock.stop();
    }

    @Test
    void aThousandCallsToAnEndpointFailingEveryTimeRetryNoMoreThanTheBudgetAllows() throws Exception {
        wireMock.stubFor(get(urlPathMatching("/accounts/.*")).willReturn(aResponse().withStatus(500)));
        CrmClient client = context.getBean(CrmClient.class);
        MeterRegistry meters = context.getBean(MeterRegistry.class);

        AtomicInteger failed = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<?>> calls = new ArrayList<>();
        for (int i = 0; i < CALLS; i++) {
            int n = i;
            calls.add(pool.submit(() -> {
                start.await();
                try {
                    client.account("acct-" + n);
                } catch (RuntimeException expected) {
                    failed.incrementAndGet();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> call : calls) {
            call.get();
        }
        pool.shutdown();

        int received = count(wireMock, getRequestedFor(urlPathMatching("/accounts/.*")));
        int retries = received - CALLS;
        assertThat(failed.get()).isEqualTo(CALLS);
        assertThat(retries).as("retries <= min-retries + 20 %% of calls").isLessThanOrEqualTo(MIN_RETRIES + CALLS / 5);
        assertThat(retries).as("the budget, not something else, is what stopped them").isGreaterThanOrEqualTo(CALLS / 5);
        assertThat(counter(meters, ClientCallMetrics.RETRIES, "client", "crm")).isEqualTo(retries);
        assertThat(counter(meters, ClientCallMetrics.BUDGET_EXHAUSTED, "client", "crm")).isPositive();
        assertThat(counter(meters, ClientCallMetrics.GIVEUPS, "client", "crm", "reason", "budget_exhausted")).isPositive();
    }
}
