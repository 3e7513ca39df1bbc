package dev.ballast.insights.booked;

import dev.ballast.insights.booked.BookedSummaryStore.Claimed;
import dev.ballast.insights.calls.Conversations;
import dev.ballast.insights.calls.IntegrationsClient;
import dev.ballast.insights.calls.WebhookClient;
import dev.ballast.insights.cron.CronSettings;
import dev.ballast.insights.cron.DbUnreachable;
import dev.ballast.insights.cron.TickRun;
import dev.ballast.insights.cron.TickRuns;
import dev.ballast.insights.cron.TickSummary;
import dev.ballast.integrations.api.IntegrationsOperations.LeadInsightRequest;
import dev.ballast.resilience.db.DbUnavailableException;
import dev.ballast.resilience.db.SchemaMigrator;
import dev.ballast.webhook.api.WebhookOperations.BookedLeadPage;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One cron tick over booked leads: read where the last tick stopped, read one page of at most
 * max(limit x 3, 20) booked leads from webhook-service, claim (in one statement) at most {@code limit} of them whose
 * summary is missing or older than their last activity, then summarize them two LLM calls at a time, each written in
 * one statement. The cursor moves on once a page has no more leads to summarize, and starts again at the end.
 * No connection is held while a call runs; the database rules are the context packs' ({@link TickRun}).
 */
// Built at start-up with its clients, so the first tick's unit timeout is not spent building them.
@Context
public final class BookedSummaryTick {

    public static final String CRON = "booked-summaries";
    static final String QUESTION = "A meeting with this lead is booked. Summarize the conversation for whoever takes"
            + " the meeting: who they are, what they want, what was promised, open questions.";
    private static final Logger LOG = LoggerFactory.getLogger(BookedSummaryTick.class);

    private final BookedSummaryStore store;
    private final BookedSummarySettings settings;
    private final TickRuns runs;
    private final WebhookClient webhook;
    private final Conversations conversations;
    private final IntegrationsClient integrations;
    private final @Nullable SchemaMigrator schema;

    BookedSummaryTick(BookedSummaryStore store, BookedSummarySettings settings, TickRuns runs, WebhookClient webhook,
                      Conversations conversations, IntegrationsClient integrations, CronSettings cron,
                      @Nullable SchemaMigrator schema) {
        if (settings.lease().compareTo(cron.budget()) <= 0) {
            // A claim shorter than a tick would let a second tick summarize a lead the first is still on.
            throw new ConfigurationException("ballast.insights.booked-summaries.lease (" + settings.lease()
                    + ") must exceed ballast.insights.cron.budget (" + cron.budget() + ")");
        }
        this.store = store;
        this.settings = settings;
        this.runs = runs;
        this.webhook = webhook;
        this.conversations = conversations;
        this.integrations = integrations;
        this.schema = schema;
    }

    public TickSummary run(Duration budget) throws InterruptedException {
        TickRun tick = runs.start("insights-booked-summaries", budget);
        if (schema != null && !schema.migrated()) {
            throw DbUnreachable.problem("the insights schema is not migrated yet; no lead was summarized",
                    settings.inForce(), 0, null);
        }
        String after;
        try {
            after = tick.unit(store::cursor);
        } catch (DbUnavailableException e) {
            throw DbUnreachable.problem("the insights database is unreachable (" + e.reason().name()
                    .toLowerCase(Locale.ROOT) + "); no lead was summarized and no LLM call made", settings.inForce(),
                    tick.retries(), e.sqlState());
        }
        BookedLeadPage page;
        try {
            page = tick.call(() -> webhook.bookedLeads(null, after, settings.candidates()));
        } catch (HttpClientException | CallNotPermittedException e) {
            LOG.warn("booked summaries: webhook-service did not list booked leads ({})", e.getClass().getSimpleName());
            return finish(tick, 0, 0, 0, "webhook_unavailable");
        }
        UUID owner = UUID.randomUUID();
        List<Claimed> claimed;
        try {
            claimed = page.items().isEmpty() ? List.of() : tick.unit(db -> store.claim(db, page.items(),
                    settings.limit(), settings.maxAttempts(), settings.lease(), owner));
        } catch (DbUnavailableException e) {
            return finish(tick, 0, 0, 0, "db_unavailable");
        }
        AtomicInteger written = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger cut = new AtomicInteger();
        Semaphore slots = new Semaphore(BookedSummarySettings.CONCURRENCY);
        try (ExecutorService exec = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> running = new ArrayList<>();
            for (Claimed lead : claimed) {
                if (!tick.acquire(slots)) {
                    cut.incrementAndGet();
                    release(tick, lead, owner);
                    continue;
                }
                running.add(exec.submit(() -> {
                    try {
                        summarize(tick, lead, owner, written, failed, cut);
                    } finally {
                        slots.release();
                    }
                }));
            }
            for (Future<?> f : running) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException e) {
                    LOG.warn("booked summary failed: {}", e.getCause().getClass().getSimpleName());
                }
            }
        }
        if (!tick.stopping() && claimed.size() < settings.limit()) {
            // Every lead of this page that needed a summary has had its turn: the next tick reads the next page.
            try {
                tick.unit(db -> {
                    store.saveCursor(db, page.nextAfter());
                    return null;
                });
            } catch (DbUnavailableException e) {
                // The next tick reads this page again; the leads summarized now are skipped.
            }
        }
        String stoppedBy = tick.circuitOpen() ? "db_unavailable" : cut.get() > 0 ? "budget"
                : claimed.isEmpty() ? "idle" : "done";
        return finish(tick, claimed.size(), written.get(), failed.get(), stoppedBy);
    }

    private void summarize(TickRun tick, Claimed lead, UUID owner, AtomicInteger written, AtomicInteger failed,
                           AtomicInteger cut) {
        String failure;
        boolean permanent;
        try {
            String summary = tick.call(() -> {
                List<String> lines = conversations.lines(lead.workspaceId(), lead.leadId());
                if (lines == null) {
                    return null;
                }
                String key = "booked-summary:" + lead.leadId() + ":"
                        + ChronoUnit.MICROS.between(Instant.EPOCH, lead.activityAt()) + ":" + (lead.attempts() + 1);
                return integrations.leadInsight(key, lead.workspaceId().toString(), new LeadInsightRequest(
                        lead.workspaceId(), lead.leadId(), QUESTION, lines)).insight();
            });
            if (summary != null) {
                if (tick.unit(db -> store.write(db, lead, owner, summary))) {
                    written.incrementAndGet();
                }
                return;
            }
            permanent = true;
            failure = "lead_not_found: webhook-service knows no lead " + lead.leadId() + " in the workspace";
        } catch (DbUnavailableException e) {
            // Not written: the claim runs out and a later tick summarizes the lead, the same key finding the answer.
            return;
        } catch (HttpClientResponseException e) {
            permanent = Conversations.permanent(e);
            failure = "http_" + e.code() + ": " + e.getMessage();
        } catch (HttpClientException | CallNotPermittedException e) {
            if (tick.pastBudget()) {
                cut.incrementAndGet();
                release(tick, lead, owner);
                return;
            }
            permanent = false;
            failure = e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        String error = Conversations.error(failure);
        boolean givesUp = permanent;
        try {
            tick.unit(db -> {
                store.fail(db, lead, owner, error, givesUp, settings.maxAttempts());
                return null;
            });
            failed.incrementAndGet();
        } catch (DbUnavailableException e) {
            // Not counted: the claim runs out and the lead comes back as it was.
        }
    }

    /** Gives a claimed lead back at once, so that the next tick need not wait for the claim to run out. */
    private void release(TickRun tick, Claimed lead, UUID owner) {
        try {
            tick.unit(db -> {
                store.release(db, lead, owner);
                return null;
            });
        } catch (DbUnavailableException e) {
            // The claim runs out by itself.
        }
    }

    private TickSummary finish(TickRun tick, int touched, int written, int failed, String stoppedBy) {
        TickSummary summary = new TickSummary(CRON, settings.limit(), settings.candidates(),
                BookedSummarySettings.CONCURRENCY, touched, written, failed, tick.connectionErrors(), tick.retries(),
                tick.circuitOpen(), !stoppedBy.equals("done") && !stoppedBy.equals("idle"), stoppedBy,
                tick.elapsedMillis());
        LOG.info(summary.logLine());
        return summary;
    }
}
