package dev.ballast.jobs.handlers;

import dev.ballast.jobs.periodic.Period;
import dev.ballast.resilience.db.DbRetry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.jdbc.DataSourceResolver;
import jakarta.inject.Singleton;

import javax.sql.DataSource;

/** {@code workspace-daily-digest}: a workspace's UTC day in one Slack post (see {@link WorkspaceDigest}). */
@Singleton
public final class DailyDigest extends WorkspaceDigest {

    public static final String TYPE = "workspace-daily-digest";

    DailyDigest(IntegrationsClient integrations, DataSource dataSource, @Nullable DataSourceResolver resolver,
                DbRetry retry) {
        super(integrations, dataSource, resolver, retry);
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
