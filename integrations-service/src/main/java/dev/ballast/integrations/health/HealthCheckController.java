package dev.ballast.integrations.health;

import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;

import java.sql.SQLException;

/** {@code POST /cron/integrations/health-check} (cron token, checked by a filter before any database work). */
@Controller("/cron/integrations")
@ExecuteOn(TaskExecutors.BLOCKING)
final class HealthCheckController {

    private final HealthCheck check;

    HealthCheckController(HealthCheck check) {
        this.check = check;
    }

    @Post("/health-check")
    HealthCheck.Summary healthCheck() throws SQLException {
        return check.tick();
    }
}
