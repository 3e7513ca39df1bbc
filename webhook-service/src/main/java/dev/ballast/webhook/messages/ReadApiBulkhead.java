package dev.ballast.webhook.messages;

import dev.ballast.resilience.api.ProblemException;
import io.github.resilience4j.bulkhead.Bulkhead;
import io.github.resilience4j.bulkhead.BulkheadConfig;
import io.github.resilience4j.bulkhead.BulkheadFullException;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * Caps the calls of the internal read/annotate API served at once ({@code ballast.webhook.read-api.max-concurrent}),
 * so that however many jobs-service workers call it, it never holds more than that many of the pool's connections
 * and the webhook intake keeps the rest. A call beyond the cap waits up to {@code max-wait} for a place, then is
 * refused with 503 {@code read_api_busy} and a Retry-After, which the callers' clients retry.
 *
 * <p>The wait blocks the calling thread: call it on {@code TaskExecutors.BLOCKING} (virtual threads), never on an
 * event loop.
 */
@Context
public final class ReadApiBulkhead {

    public static final String REASON = "read_api_busy";
    static final String REJECTED = "ballast.read_api.rejected";
    static final String IN_USE = "ballast.read_api.in_use";

    private static final Logger LOG = LoggerFactory.getLogger(ReadApiBulkhead.class);

    private final Bulkhead bulkhead;
    private final Counter rejected;
    private final int maxConcurrent;
    private final long busyRetryAfterSeconds;

    ReadApiBulkhead(ReadApiSettings settings, MeterRegistry registry,
                    @Value("${datasources.default.maximum-pool-size:10}") int poolMaxSize) {
        this.maxConcurrent = settings.maxConcurrent();
        this.busyRetryAfterSeconds = settings.busyRetryAfterSeconds();
        this.bulkhead = Bulkhead.of("read-api", BulkheadConfig.custom()
                .maxConcurrentCalls(maxConcurrent)
                .maxWaitDuration(settings.maxWait())
                .build());
        this.rejected = Counter.builder(REJECTED)
                .description("internal read API calls refused with 503 read_api_busy (all places taken after max-wait)")
                .register(registry);
        Gauge.builder(IN_USE, this, ReadApiBulkhead::inUse)
                .description("internal read API calls being served (at most ballast.webhook.read-api.max-concurrent)")
                .register(registry);
        if (maxConcurrent >= poolMaxSize) {
            LOG.warn("WEBHOOK_READ_MAX_CONCURRENT ({}) >= DATABASE_POOL_MAX_SIZE ({}): the internal read API can take "
                    + "every pooled connection and starve the webhook intake; keep it below the pool size",
                    maxConcurrent, poolMaxSize);
        }
    }

    /** Runs the call once a place is free, and frees it however the call ends; 503 when none came in time. */
    public <T> T call(Supplier<T> call) {
        try {
            return bulkhead.executeSupplier(call);
        } catch (BulkheadFullException e) {
            rejected.increment();
            throw ProblemException.unavailable(REASON, "too many internal API calls at once; try again shortly",
                    busyRetryAfterSeconds);
        }
    }

    /** Calls being served now. */
    public int inUse() {
        return maxConcurrent - bulkhead.getMetrics().getAvailableConcurrentCalls();
    }
}
