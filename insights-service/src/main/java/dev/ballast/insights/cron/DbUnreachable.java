package dev.ballast.insights.cron;

import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;

import java.time.Instant;
import java.util.Map;

/**
 * A tick whose first query failed after its retries: nothing was claimed and no LLM call was made. The answer is a
 * 503 problem carrying {@code db_unreachable: true}, the knobs in force, the retries attempted and a timestamp.
 */
public final class DbUnreachable {

    private DbUnreachable() {
    }

    public static ProblemException problem(String detail, Map<String, Integer> knobs, int retriesAttempted,
                                      @Nullable String sqlState) {
        ProblemDetails problem = ProblemDetails.of(HttpStatus.SERVICE_UNAVAILABLE, "db_unreachable", detail)
                .with("db_unreachable", true);
        for (Map.Entry<String, Integer> knob : knobs.entrySet()) {
            problem = problem.with(knob.getKey(), knob.getValue());
        }
        problem = problem.with("retriesAttempted", retriesAttempted).with("timestamp", Instant.now().toString());
        return new ProblemException(sqlState == null ? problem : problem.with("sqlState", sqlState));
    }
}
