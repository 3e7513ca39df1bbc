package dev.ballast.jobs.cron;

import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** {@code POST /cron/jobs/run}: one time-budgeted tick (bearer {@code JOBS_CRON_TOKEN}, checked by {@link CronTokenFilter}). */
@Controller("/cron/jobs")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "cron")
public class JobsCronController {

    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m)?");

    private final CronTick tick;

    JobsCronController(CronTick tick) {
        this.tick = tick;
    }

    @Post("/run")
    @Operation(summary = "Run due jobs for at most the budget (?budget=10s, capped by JOBS_CRON_BUDGET); answers counts")
    public CronTick.Result run(@Nullable @QueryValue String budget) throws InterruptedException {
        Duration max = tick.maxBudget();
        Duration asked = budget == null ? max : parse(budget);
        try {
            return tick.run(asked.compareTo(max) > 0 ? max : asked);
        } catch (CronTick.Unavailable e) {
            throw new ProblemException(ProblemDetails.of(HttpStatus.SERVICE_UNAVAILABLE, "db_unreachable",
                    e.getMessage() + "; no job was run"));
        }
    }

    private static Duration parse(String text) {
        Matcher m = DURATION.matcher(text.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new ProblemException(ProblemDetails.of(HttpStatus.BAD_REQUEST, "invalid_budget",
                    "budget must be a positive duration such as 500ms, 10s or 1m").withPointer("budget"));
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2) == null ? "s" : m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofSeconds(n);
        };
    }
}
