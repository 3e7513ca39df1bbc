package dev.ballast.resilience.http;

import dev.ballast.resilience.Backoff;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.propagation.PropagatedContext;

import java.time.Clock;
import java.time.Duration;

/**
 * The policy of one client in force: its settings plus the state they need at run time (backoff, retry budget,
 * per-try timeout). {@link #start()} opens one call; the call then asks for tries and reports their outcomes.
 */
public final class ClientCallPolicy {

    private final ClientPolicy settings;
    private final String provider;
    private final Backoff backoff;
    private final RetryBudget budget;
    private final long timeoutMillis;
    private final RetryAfter retryAfter;
    private final ClientPolicies owner;

    ClientCallPolicy(ClientPolicy settings, Duration timeout, Clock clock, ClientPolicies owner) {
        this.settings = settings;
        this.provider = settings.breaker().provider() == null ? settings.id() : settings.breaker().provider();
        this.backoff = new Backoff(settings.base(), settings.cap());
        this.budget = new RetryBudget(settings.budget().ratio(), settings.budget().minRetries(), settings.budget().window());
        this.timeoutMillis = Math.max(1, timeout.toMillis());
        this.retryAfter = new RetryAfter(clock);
        this.owner = owner;
    }

    public ClientPolicy settings() {
        return settings;
    }

    public String clientId() {
        return settings.id();
    }

    public RetryBudget budget() {
        return budget;
    }

    /** The configured per-try timeout, before the deadline shortens it. */
    public long timeoutMillis() {
        return timeoutMillis;
    }

    Backoff backoff() {
        return backoff;
    }

    ClientPolicies owner() {
        return owner;
    }

    /** The capped delay a {@code Retry-After} value asks for, or {@link RetryAfter#ABSENT}. */
    long retryAfterMillis(@Nullable String header) {
        return retryAfter.delayMillis(header, settings.cap());
    }

    /**
     * Opens a call in the current propagated context: its deadline, its workspace's breaker and the inbound
     * request (if any) whose departure ends it.
     */
    CallRun start() {
        return start(PropagatedContext.getOrEmpty());
    }

    /** Opens a call in {@code context}, captured where the client method was invoked. */
    CallRun start(PropagatedContext context) {
        Deadline deadline = Deadline.after(settings.deadline()).min(context.find(Deadline.class).orElse(null));
        String workspace = context.find(WorkspaceScope.class).map(WorkspaceScope::workspaceId).orElse(WorkspaceScope.NONE);
        var breaker = settings.breaker().enabled() ? owner.breakers().breaker(provider, workspace, settings.breaker()) : null;
        budget.recordRequest();
        InboundRequest inbound = context.find(InboundRequest.class).orElse(null);
        CallRun run = new CallRun(this, deadline, breaker, context, inbound);
        owner.track(run);
        if (inbound != null) {
            inbound.register(run);
        }
        return run;
    }
}
