package dev.ballast.jobs.handlers;

import dev.ballast.jobs.periodic.Period;
import dev.ballast.resilience.db.JdbcRunner;
import jakarta.inject.Singleton;

/** {@code workspace-daily-digest}: a workspace's UTC day in one Slack post (see {@link WorkspaceDigest}). */
@Singleton
public final class DailyDigest extends WorkspaceDigest {

    public static final String TYPE = "workspace-daily-digest";

    DailyDigest(IntegrationsClient integrations, JdbcRunner jdbc) {
        super(integrations, jdbc);
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    Period period() {
        return Period.DAY;
    }

    @Override
    String title() {
        return "Daily digest";
    }
}
