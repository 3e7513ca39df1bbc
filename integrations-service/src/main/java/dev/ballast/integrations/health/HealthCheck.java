package dev.ballast.integrations.health;

import dev.ballast.integrations.calls.ProviderCalls;
import dev.ballast.integrations.credentials.CredentialStore;
import dev.ballast.integrations.providers.MessagingOperations;
import dev.ballast.integrations.providers.Provider;
import dev.ballast.integrations.providers.ProviderAccess;
import dev.ballast.integrations.providers.SlackOperations;
import dev.ballast.resilience.http.Deadline;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One health-check tick: the least recently checked integrations (Unipile account status, Slack {@code auth.test},
 * EmailBison and GHL authenticated reads), at most {@code check-concurrency} at once, none started after the time
 * budget. Each check's outcome feeds the health record exactly as a call's would, so a disconnect found here alerts
 * and one found connected again is no longer skipped.
 */
@Singleton
public final class HealthCheck {

    private static final Logger LOG = LoggerFactory.getLogger(HealthCheck.class);

    /** What a tick did. */
    @Serdeable
    public record Summary(int candidates, int checked, int connected, int degraded, int disconnected, int failed,
                          int notStarted, long durationMs, Instant at) {
    }

    private final CredentialStore credentials;
    private final ProviderCalls calls;
    private final SlackOperations slack;
    private final MessagingOperations messaging;
    private final HealthSettings settings;

    HealthCheck(CredentialStore credentials, ProviderCalls calls, SlackOperations slack, MessagingOperations messaging,
                HealthSettings settings) {
        this.credentials = credentials;
        this.calls = calls;
        this.slack = slack;
        this.messaging = messaging;
        this.settings = settings;
    }

    public Summary tick() throws SQLException {
        long started = System.nanoTime();
        Deadline budget = Deadline.after(settings.checkBudget());
        List<CredentialStore.Key> keys;
        // the tick's database work, like its checks, ends with its budget
        try (PropagatedContext.Scope ignored = budget.propagate()) {
            keys = credentials.checkable(settings.checkLimit());
        }
        Semaphore slots = new Semaphore(settings.checkConcurrency());
        List<Future<Observation>> running = new ArrayList<>();
        int notStarted = 0;
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            for (CredentialStore.Key key : keys) {
                if (!acquire(slots, budget)) {
                    notStarted = keys.size() - running.size();
                    break;
                }
                PropagatedContext context = PropagatedContext.getOrEmpty().plus(budget);
                running.add(pool.submit(() -> {
                    try (PropagatedContext.Scope ignored = context.propagate()) {
                        return calls.check(key.workspaceId(), key.provider(), probe(key.provider()));
                    } finally {
                        slots.release();
                    }
                }));
            }
            int connected = 0;
            int degraded = 0;
            int disconnected = 0;
            int failed = 0;
            for (Future<Observation> f : running) {
                try {
                    switch (f.get()) {
                        case Observation.Connected ignored -> connected++;
                        case Observation.Transient ignored -> degraded++;
                        case Observation.Disconnected ignored -> disconnected++;
                        case null -> failed++;
                    }
                } catch (Exception e) {
                    failed++;
                }
            }
            Summary summary = new Summary(keys.size(), running.size(), connected, degraded, disconnected, failed,
                    notStarted, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), Instant.now());
            LOG.info("integration health check: {}", summary);
            return summary;
        }
    }

    private Consumer<ProviderAccess> probe(Provider provider) {
        return switch (provider) {
            case SLACK -> access -> slack.check();
            case UNIPILE -> access -> messaging.checkUnipile(access.accountId());
            case EMAILBISON -> access -> messaging.checkEmailBison();
            case GHL -> access -> messaging.checkGhl(access.accountId());
            case AI -> access -> { };
        };
    }

    private static boolean acquire(Semaphore slots, Deadline budget) {
        try {
            long remaining = budget.remainingMillis();
            return remaining > 0 && slots.tryAcquire(remaining, TimeUnit.MILLISECONDS) && !budget.isExpired();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
