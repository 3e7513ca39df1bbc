package dev.ballast.jobs.handlers;

import dev.ballast.jobs.periodic.Period;
import dev.ballast.resilience.db.JdbcRunner;
import jakarta.inject.Singleton;

/**
 * {@code workspace-weekly-review}: a workspace's ISO week (Monday to Sunday, UTC) in one Slack post (see
 * {@link WorkspaceDigest}).
 */
@Singleton
public final class WeeklyReview extends WorkspaceDigest {

    public static final String TYPE = "workspace-weekly-review";

    WeeklyReview(IntegrationsClient integrations, JdbcRunner jdbc) {
        super(integrations, jdbc);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    Period period() {
        return Period.WEEK;
    }

    @Override
    String title() {
        return "Weekly review";
    }
}
