package dev.ballast.insights.cron;

import dev.ballast.insights.booked.BookedSummaryTick;
import dev.ballast.insights.packs.ContextPackTick;
import dev.ballast.resilience.api.ProblemException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.time.Duration;

/**
 * The insights CronJobs' endpoints (bearer {@code INSIGHTS_CRON_TOKEN}, checked by {@link CronTokenFilter} before any
 * database work). Each answers its tick's summary; {@code ?budget=} shortens the tick (capped by
 * {@code INSIGHTS_CRON_BUDGET}).
 */
@Controller("/cron/insights")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "cron")
public class InsightsCronController {

    private final TickRuns runs;
    private final ContextPackTick packs;
    private final BookedSummaryTick booked;

    InsightsCronController(TickRuns runs, ContextPackTick packs, BookedSummaryTick booked) {
        this.runs = runs;
        this.packs = packs;
        this.booked = booked;
    }

    @Post("/context-packs")
    @Operation(summary = "One step of at most INSIGHTS_CONTEXT_PACK_CRON_LIMIT packs (?budget=10s); answers the summary")
    public TickSummary contextPacks(@Nullable @QueryValue Duration budget) throws InterruptedException {
        return packs.run(runs.budget(checked(budget)));
    }

    @Post("/booked-summaries")
    @Operation(summary = "Summaries of at most INSIGHTS_BOOKED_SUMMARIES_CRON_LIMIT booked leads whose conversation"
            + " moved on since their last summary (?budget=10s); answers the summary")
    public TickSummary bookedSummaries(@Nullable @QueryValue Duration budget) throws InterruptedException {
        return booked.run(runs.budget(checked(budget)));
    }

    private static @Nullable Duration checked(@Nullable Duration budget) {
        if (budget != null && (budget.isNegative() || budget.isZero())) {
            throw ProblemException.badRequest("invalid_budget", "budget must be a positive duration such as 500ms or 10s");
        }
        return budget;
    }
}
