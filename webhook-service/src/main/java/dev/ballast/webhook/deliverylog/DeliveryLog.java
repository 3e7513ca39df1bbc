package dev.ballast.webhook.deliverylog;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.transaction.TransactionOperations;
import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;

/**
 * Records every delivery: inside the intake transaction when there is one, otherwise (too large, database
 * unavailable) detached and best-effort, so that the answer to the provider never waits on the log.
 */
@Singleton
public final class DeliveryLog {

    public static final String ACCEPTED = "accepted";
    public static final String DUPLICATE = "duplicate";
    public static final String IGNORED = "ignored";
    public static final String UNAUTHORIZED = "unauthorized";
    public static final String FORBIDDEN = "forbidden";
    public static final String INVALID = "invalid";
    public static final String TOO_LARGE = "too_large";
    public static final String UNAVAILABLE = "unavailable";

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLog.class);
    private static final int MAX_DETACHED_IN_FLIGHT = 8;

    private final DeliveryRepository deliveries;
    private final TransactionOperations<Connection> tx;
    private final Semaphore detachedSlots = new Semaphore(MAX_DETACHED_IN_FLIGHT);
    private final ExecutorService detached = Executors.newVirtualThreadPerTaskExecutor();

    DeliveryLog(DeliveryRepository deliveries, TransactionOperations<Connection> tx) {
        this.deliveries = deliveries;
        this.tx = tx;
    }

    /** One delivery's row. */
    public record Entry(@Nullable UUID workspaceId, @Nullable String webhookId, String provider,
                        @Nullable String eventType, String outcome, @Nullable String reason, int httpStatus,
                        int bodyBytes, @Nullable Long messageId) {
    }

    /** Writes the row with whatever transaction is current. */
    public void record(Entry e) {
        deliveries.insert(e.workspaceId(), e.webhookId(), e.provider(), e.eventType(), e.outcome(), e.reason(),
                e.httpStatus(), e.bodyBytes(), e.messageId());
    }

    /**
     * Writes the row later in a transaction of its own. Dropped (and said so in the log) when the database is
     * unavailable or too many such writes are already waiting for it.
     */
    public void recordDetached(Entry e) {
        if (!detachedSlots.tryAcquire()) {
            LOG.warn("delivery log row dropped, too many pending: provider={} workspace={} outcome={} reason={}",
                    e.provider(), e.workspaceId(), e.outcome(), e.reason());
            return;
        }
        try {
            detached.execute(() -> {
                try {
                    tx.executeWrite(status -> {
                        record(e);
                        return null;
                    });
                } catch (RuntimeException failure) {
                    LOG.warn("delivery log row not written: provider={} workspace={} outcome={} reason={} error={}",
                            e.provider(), e.workspaceId(), e.outcome(), e.reason(), failure.getClass().getSimpleName());
                } finally {
                    detachedSlots.release();
                }
            });
        } catch (RuntimeException rejected) {
            detachedSlots.release();
        }
    }

    @PreDestroy
    void stop() {
        detached.shutdown();
    }
}
