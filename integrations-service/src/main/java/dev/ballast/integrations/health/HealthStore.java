package dev.ballast.integrations.health;

import dev.ballast.integrations.providers.Provider;
import dev.ballast.resilience.db.DbRetry;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.jdbc.DataSourceResolver;
import jakarta.inject.Singleton;

import javax.sql.DataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * Integration health rows and alert dedupe rows. Each observation is one upsert whose new status is computed by
 * PostgreSQL from the row's current one, so concurrent observations on several replicas never lose a count.
 */
@Singleton
public final class HealthStore {

    private static final int MAX_MESSAGE = 200;
    /** Anything that looks like a credential: bearer tokens, Slack tokens, long opaque strings. */
    private static final Pattern SECRETISH = Pattern.compile(
            "(?i)(bearer\\s+\\S+|xox[a-z]-[\\w-]+|sk-[\\w-]+|[A-Za-z0-9+/_=-]{24,})");

    private final DataSource dataSource;
    private final DbRetry retry;
    private final HealthSettings settings;

    HealthStore(DataSource dataSource, @Nullable DataSourceResolver resolver, DbRetry retry, HealthSettings settings) {
        this.dataSource = (resolver == null ? DataSourceResolver.DEFAULT : resolver).resolve(dataSource);
        this.retry = retry;
        this.settings = settings;
    }

    public void record(UUID workspace, Provider provider, Observation observation) throws SQLException {
        switch (observation) {
            case Observation.Connected ignored -> update("health-connected", """
                    INSERT INTO integrations.integration_health AS h
                           (workspace_id, provider, status, since, last_check_at, last_success_at, consecutive_failures)
                    VALUES (?, ?, 'CONNECTED', now(), now(), now(), 0)
                    ON CONFLICT (workspace_id, provider) DO UPDATE
                       SET status = 'CONNECTED',
                           since = CASE WHEN h.status = 'CONNECTED' THEN h.since ELSE now() END,
                           last_check_at = now(), last_success_at = now(), consecutive_failures = 0""",
                    workspace, provider, null, null);
            case Observation.Transient t -> update("health-transient", """
                    INSERT INTO integrations.integration_health AS h
                           (workspace_id, provider, status, since, last_check_at, last_error_code, last_error,
                            consecutive_failures)
                    VALUES (?, ?, CASE WHEN 1 >= %1$d THEN 'DEGRADED' ELSE 'UNKNOWN' END, now(), now(), ?, ?, 1)
                    ON CONFLICT (workspace_id, provider) DO UPDATE
                       SET status = CASE WHEN h.status = 'DISCONNECTED' THEN h.status
                                         WHEN h.consecutive_failures + 1 >= %1$d THEN 'DEGRADED' ELSE h.status END,
                           since = CASE WHEN h.status <> 'DISCONNECTED' AND h.status <> 'DEGRADED'
                                         AND h.consecutive_failures + 1 >= %1$d THEN now() ELSE h.since END,
                           last_check_at = now(), last_error_code = EXCLUDED.last_error_code,
                           last_error = EXCLUDED.last_error, consecutive_failures = h.consecutive_failures + 1"""
                    .formatted(settings.degradedAfter()), workspace, provider, t.code(), t.message());
            case Observation.Disconnected d -> update("health-disconnected", """
                    INSERT INTO integrations.integration_health AS h
                           (workspace_id, provider, status, since, last_check_at, last_error_code, last_error,
                            consecutive_failures)
                    VALUES (?, ?, 'DISCONNECTED', now(), now(), ?, ?, 1)
                    ON CONFLICT (workspace_id, provider) DO UPDATE
                       SET status = 'DISCONNECTED',
                           since = CASE WHEN h.status = 'DISCONNECTED' THEN h.since ELSE now() END,
                           last_check_at = now(), last_error_code = EXCLUDED.last_error_code,
                           last_error = EXCLUDED.last_error, consecutive_failures = h.consecutive_failures + 1""",
                    workspace, provider, d.code(), d.message());
        }
    }

    /**
     * Inserts the alert row of (workspace, provider, kind, day) if absent: true for the one caller, on whichever
     * replica, that inserted it and so sends the alert.
     */
    public boolean claimAlert(UUID workspace, Provider provider, String kind, LocalDate day) throws SQLException {
        return retry.statement("alert-claim", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    INSERT INTO integrations.alert_dedupe (workspace_id, provider, alert_kind, alert_day)
                    VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING""")) {
                st.setObject(1, workspace);
                st.setString(2, provider.id());
                st.setString(3, kind);
                st.setObject(4, day);
                return st.executeUpdate() == 1;
            }
        });
    }

    /** Health rows matching the filters (null: any), oldest status change first, at most {@code limit}. */
    public List<HealthView> list(@Nullable UUID workspace, @Nullable Provider provider, @Nullable String status,
                                 int limit) throws SQLException {
        return retry.statement("health-list", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    SELECT workspace_id, provider, status, since, last_check_at, last_success_at, last_error_code,
                           last_error, consecutive_failures
                    FROM integrations.integration_health
                    WHERE (?::uuid IS NULL OR workspace_id = ?::uuid) AND (?::text IS NULL OR provider = ?::text)
                      AND (?::text IS NULL OR status = ?::text)
                    ORDER BY since, workspace_id, provider LIMIT ?""")) {
                st.setObject(1, workspace);
                st.setObject(2, workspace);
                String p = provider == null ? null : provider.id();
                st.setString(3, p);
                st.setString(4, p);
                st.setString(5, status);
                st.setString(6, status);
                st.setInt(7, limit);
                List<HealthView> rows = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        rows.add(new HealthView(rs.getObject(1, UUID.class), rs.getString(2), rs.getString(3),
                                rs.getTimestamp(4).toInstant(), instant(rs.getTimestamp(5)), instant(rs.getTimestamp(6)),
                                rs.getString(7), rs.getString(8), rs.getInt(9)));
                    }
                }
                return rows;
            }
        });
    }

    /** A provider's message as it may be stored and shown: secrets masked, length capped. */
    public static String scrub(@Nullable String message) {
        if (message == null) {
            return "";
        }
        String s = SECRETISH.matcher(message).replaceAll("***").replaceAll("\\s+", " ").strip();
        return s.length() > MAX_MESSAGE ? s.substring(0, MAX_MESSAGE) : s;
    }

    private void update(String operation, String sql, UUID workspace, Provider provider, @Nullable String code,
                        @Nullable String message) throws SQLException {
        retry.statement(operation, () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(sql)) {
                st.setObject(1, workspace);
                st.setString(2, provider.id());
                if (code != null) {
                    // codes are fixed names or provider codes checked against a pattern; messages may quote more
                    st.setString(3, code.length() > 64 ? code.substring(0, 64) : code);
                    st.setString(4, scrub(message));
                }
                return st.executeUpdate();
            }
        });
    }

    private static @Nullable java.time.Instant instant(@Nullable Timestamp t) {
        return t == null ? null : t.toInstant();
    }
}
