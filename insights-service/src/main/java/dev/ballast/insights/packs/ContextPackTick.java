package dev.ballast.insights.packs;

import dev.ballast.insights.calls.IntegrationsClient;
import dev.ballast.insights.calls.Conversations;
import dev.ballast.insights.cron.CronSettings;
import dev.ballast.insights.cron.DbUnreachable;
import dev.ballast.insights.cron.TickRun;
import dev.ballast.insights.cron.TickRuns;
import dev.ballast.insights.cron.TickSummary;
import dev.ballast.insights.packs.ContextPackStore.ClaimedPack;
import dev.ballast.insights.packs.ContextPackStore.PendingLead;
import dev.ballast.integrations.api.IntegrationsOperations.LeadInsightRequest;
import dev.ballast.integrations.api.IntegrationsOperations.PackSynthesisRequest;
import dev.ballast.resilience.db.DbUnavailableException;
import dev.ballast.resilience.db.SchemaMigrator;
import dev.ballast.resilience.http.AbortClass;
import dev.ballast.resilience.http.CallAbortedException;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One cron tick over context packs: claim at most {@code limit} packs (SKIP LOCKED, leased to this tick), then for each
 * one step of at most {@code batch} leads: read the step's leads (connection released), fetch each lead's messages
 * from webhook-service and ask integrations-service for its insight with at most {@code concurrency} calls in flight
 * across the tick, write each insight in one short statement, save the cursor. A pack whose leads are all settled is
 * synthesized and completed in the same tick.
 *
 * <p>No database connection is held while a call runs: every unit returns its connection before the next call.
 * Failed leads count an attempt and come back on a later step, until they fail for good. After the circuit's number of
 * consecutive transient database failures the tick starts nothing more and returns; each lead's write is one
 * statement, so a pack is never half-written, and the pack's lease lets the next tick resume it. Past the budget no
 * lead starts, and calls still running end at the work deadline with their leads left pending.
 */
// Built at start-up, with its clients: built on the first tick instead, they took seconds of that tick's unit timeout.
@Context
public final class ContextPackTick {

    public static final String CRON = "context-packs";
    private static final Logger LOG = LoggerFactory.getLogger(ContextPackTick.class);

    private final ContextPackStore store;
    private final ContextPackSettings settings;
    private final TickRuns runs;
    private final Conversations conversations;
    private final IntegrationsClient integrations;
    private final @Nullable SchemaMigrator schema;

    ContextPackTick(ContextPackStore store, ContextPackSettings settings, TickRuns runs, Conversations conversations,
                    IntegrationsClient integrations, CronSettings cron, @Nullable SchemaMigrator schema) {
        if (settings.lease().compareTo(cron.budget()) <= 0) {
            // A lease shorter than a tick would let a second tick claim a pack the first is still working on.
            throw new ConfigurationException("ballast.insights.context-packs.lease (" + settings.lease()
                    + ") must exceed ballast.insights.cron.budget (" + cron.budget() + ")");
        }
        this.store = store;
        this.settings = settings;
        this.runs = runs;
        this.conversations = conversations;
        this.integrations = integrations;
        this.schema = schema;
    }

    public TickSummary run(Duration budget) throws InterruptedException {
        TickRun tick = runs.start("insights-context-packs", budget);
        if (schema != null && !schema.migrated()) {
            throw DbUnreachable.problem("the insights schema is not migrated yet; no pack was claimed",
                    settings.inForce(), 0, null);
        }
        UUID owner = UUID.randomUUID();
        List<ClaimedPack> packs;
        try {
            packs = tick.unit(db -> store.claim(db, settings.limit(), settings.lease(), owner));
        } catch (DbUnavailableException e) {
            throw DbUnreachable.problem("the insights database is unreachable (" + e.reason().name().toLowerCase()
                    + "); no pack was claimed and no LLM call made", settings.inForce(), tick.retries(), e.sqlState());
        }
        Counts counts = new Counts();
        Slots slots = new Slots(new Semaphore(settings.concurrency()), new Semaphore(settings.concurrency()));
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> steps = new ArrayList<>();
            for (ClaimedPack pack : packs) {
                steps.add(exec.submit(() -> {
                    step(tick, pack, owner, slots, exec, counts);
                    return null;
                }));
            }
            for (Future<?> step : steps) {
                await(step);
            }
        }
        String stoppedBy = tick.circuitOpen() ? "db_unavailable" : counts.cutByBudget.get() > 0 ? "budget"
                : packs.isEmpty() ? "idle" : "done";
        TickSummary summary = new TickSummary(CRON, settings.limit(), settings.batch(), settings.concurrency(),
                packs.size(), counts.processed.get(), counts.failed.get(), tick.connectionErrors(), tick.retries(),
                tick.circuitOpen(), stoppedBy.equals("db_unavailable") || stoppedBy.equals("budget"), stoppedBy,
                tick.elapsedMillis());
        LOG.info(summary.logLine());
        return summary;
    }

    /** One step of one pack; a database failure ends it where it is (each write already complete or not made). */
    private void step(TickRun tick, ClaimedPack pack, UUID owner, Slots slots, ExecutorService exec, Counts counts)
            throws InterruptedException {
        try {
            List<PendingLead> leads = tick.unit(db -> store.nextLeads(db, pack.id(), settings.batch()));
            List<Future<?>> running = new ArrayList<>();
            for (PendingLead lead : leads) {
                if (tick.stopping()) {
                    counts.cutByBudget.incrementAndGet();
                    break;
                }
                // Every lead of the step starts at once and waits for its slots: its messages are read while other
                // leads' LLM calls run, so that an LLM slot is never held by a read.
                running.add(exec.submit(() -> {
                    lead(tick, pack, owner, lead, slots, counts);
                    return null;
                }));
            }
            for (Future<?> r : running) {
                await(r);
            }
            if (tick.circuitOpen()) {
                return;
            }
            boolean synthesizeNow = !tick.stopping();
            boolean settled = tick.unit(db -> store.saveStep(db, pack.id(), owner, synthesizeNow));
            if (settled && synthesizeNow) {
                synthesize(tick, pack, owner, slots, counts);
            } else if (settled) {
                counts.cutByBudget.incrementAndGet();
            }
        } catch (DbUnavailableException e) {
            // Counted by the tick's circuit; the lease brings the pack back to a later tick.
            LOG.debug("context pack {} step stopped: {}", pack.id(), e.reason());
        }
    }

    private void lead(TickRun tick, ClaimedPack pack, UUID owner, PendingLead lead, Slots slots, Counts counts)
            throws InterruptedException {
        String ws = pack.workspaceId().toString();
        String failure;
        boolean permanent;
        try {
            if (!tick.acquire(slots.reads())) {
                counts.cutByBudget.incrementAndGet();
                return;
            }
            List<String> lines;
            try {
                lines = tick.call(() -> conversations.lines(pack.workspaceId(), lead.leadId()));
            } finally {
                slots.reads().release();
            }
            String insight = null;
            if (lines != null) {
                if (!tick.acquire(slots.llm())) {
                    counts.cutByBudget.incrementAndGet();
                    return;
                }
                try {
                    String key = "context-pack:" + pack.id() + ":lead:" + lead.leadId() + ":" + (lead.attempts() + 1);
                    insight = tick.call(() -> integrations.leadInsight(key, ws, new LeadInsightRequest(
                            pack.workspaceId(), lead.leadId(), pack.question(), lines)).insight());
                } finally {
                    slots.llm().release();
                }
            }
            if (insight != null) {
                String written = insight;
                if (tick.unit(db -> store.writeInsight(db, pack.id(), owner, lead.position(), written))) {
                    counts.processed.incrementAndGet();
                }
                return;
            }
            failure = "lead_not_found: webhook-service knows no lead " + lead.leadId() + " in the workspace";
            permanent = true;
        } catch (DbUnavailableException e) {
            // Not written: the lead stays pending, and its stored LLM answer is found again under the same key.
            return;
        } catch (HttpClientResponseException e) {
            permanent = Conversations.permanent(e);
            failure = "http_" + e.code() + ": " + e.getMessage();
        } catch (CallNotPermittedException e) {
            // A breaker open on integrations-service is no fault of this lead: it stays pending, no attempt counted.
            return;
        } catch (CallAbortedException e) {
            if (tick.pastBudget() || e.abortClass() == AbortClass.SHUTDOWN) {
                // Abandoned at the end of the budget: the lead stays pending for the next tick.
                counts.cutByBudget.incrementAndGet();
                return;
            }
            permanent = false;
            failure = e.abortClass().name().toLowerCase() + ": " + e.getMessage();
        } catch (HttpClientException e) {
            if (tick.pastBudget()) {
                counts.cutByBudget.incrementAndGet();
                return;
            }
            permanent = false;
            failure = "http_client: " + e.getMessage();
        }
        String error = Conversations.error(failure);
        boolean givesUp = permanent;
        try {
            if (tick.unit(db -> store.recordFailure(db, pack.id(), owner, lead.position(), error, givesUp,
                    settings.leadMaxAttempts())) != null) {
                counts.failed.incrementAndGet();
            }
        } catch (DbUnavailableException e) {
            // The attempt is not counted; the lead comes back as it was.
        }
    }

    private void synthesize(TickRun tick, ClaimedPack pack, UUID owner, Slots slots, Counts counts)
            throws InterruptedException {
        List<String> insights = tick.unit(db -> store.insights(db, pack.id()));
        if (insights.isEmpty()) {
            tick.unit(db -> store.failSynthesis(db, pack.id(), owner, "no lead yielded an insight", true, 1));
            return;
        }
        if (!tick.acquire(slots.llm())) {
            counts.cutByBudget.incrementAndGet();
            tick.unit(db -> {
                store.release(db, pack.id(), owner);
                return null;
            });
            return;
        }
        String synthesis;
        String failure;
        boolean permanent = false;
        try {
            String key = "context-pack:" + pack.id() + ":synthesis:" + (pack.synthesisAttempts() + 1);
            synthesis = tick.call(() -> integrations.packSynthesis(key, pack.workspaceId().toString(),
                    new PackSynthesisRequest(pack.workspaceId(), Long.toString(pack.id()), pack.question(), insights))
                    .synthesis());
            failure = null;
        } catch (HttpClientResponseException e) {
            permanent = Conversations.permanent(e);
            synthesis = null;
            failure = "http_" + e.code() + ": " + e.getMessage();
        } catch (HttpClientException | CallNotPermittedException e) {
            synthesis = null;
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        } finally {
            slots.llm().release();
        }
        if (synthesis != null) {
            String done = synthesis;
            tick.unit(db -> store.complete(db, pack.id(), owner, done));
            return;
        }
        String error = Conversations.error(failure);
        boolean givesUp = permanent;
        tick.unit(db -> store.failSynthesis(db, pack.id(), owner, error, givesUp, settings.synthesisMaxAttempts()));
    }

    private static void await(Future<?> f) throws InterruptedException {
        try {
            f.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof InterruptedException ie) {
                throw ie;
            }
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** The tick's bounds: messages reads and LLM calls in flight, {@code concurrency} each. */
    private record Slots(Semaphore reads, Semaphore llm) {
    }

    private static final class Counts {
        final AtomicInteger processed = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        /** Leads or syntheses left for the next tick because the budget ran out. */
        final AtomicInteger cutByBudget = new AtomicInteger();
    }
}
