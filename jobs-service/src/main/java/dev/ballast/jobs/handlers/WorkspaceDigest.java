package dev.ballast.jobs.handlers;

import dev.ballast.integrations.api.IntegrationsOperations;
import dev.ballast.integrations.api.IntegrationsOperations.IntegrationHealth;
import dev.ballast.integrations.api.IntegrationsOperations.SlackNotice;
import dev.ballast.integrations.api.IntegrationsOperations.SlackReceipt;
import dev.ballast.jobs.periodic.Period;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobHandler;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.resilience.db.JdbcRunner;
import dev.ballast.resilience.http.WorkspaceScope;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.json.tree.JsonNode;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Timestamp;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * A workspace's summary of one period, posted to its Slack channel: replies handled, their sentiment mix, drafts
 * sent automatically, leads contacted, and the integrations not connected. The periodic scheduler makes one job per (kind, workspace, period) across
 * replicas; the Slack post's Idempotency-Key is fixed by (type, workspace, period), so a retried or duplicated run
 * is answered from integrations-service's store and the channel sees one post.
 */
abstract class WorkspaceDigest implements JobHandler {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkspaceDigest.class);

    private final IntegrationsOperations integrations;
    private final JdbcRunner jdbc;

    WorkspaceDigest(IntegrationsOperations integrations, JdbcRunner jdbc) {
        this.integrations = integrations;
        this.jdbc = jdbc;
    }

    abstract Period period();

    /** "Daily digest", "Weekly review". */
    abstract String title();

    @Override
    public JobOutcome handle(JobContext job) throws Exception {
        String periodKey = job.payload() == null || job.payload().get("period") == null ? null
                : job.payload().get("period").coerceStringValue();
        if (periodKey == null) {
            throw new PermanentJobFailure("payload has no period");
        }
        Period.Window window;
        try {
            window = period().window(periodKey);
        } catch (IllegalArgumentException e) {
            throw new PermanentJobFailure(e.getMessage());
        }
        UUID workspace = job.workspaceId();
        Stats stats = stats(workspace, window);

        PropagatedContext scoped = PropagatedContext.getOrEmpty().plus(WorkspaceScope.of(workspace.toString()));
        SlackReceipt receipt;
        try (PropagatedContext.Scope ignored = scoped.propagate()) {
            String text = title() + " " + periodKey + ": " + stats.describe() + notConnected(workspace);
            receipt = IntegrationFailure.required("slack", () -> integrations.slack(
                    type() + ":" + workspace + ":" + periodKey, workspace.toString(), new SlackNotice(workspace, 0, text)));
        }
        Map<String, JsonNode> result = new LinkedHashMap<>();
        result.put("period", JsonNode.createStringNode(periodKey));
        result.put("replies", JsonNode.createNumberNode(stats.replies()));
        result.put("autoSent", JsonNode.createNumberNode(stats.autoSent()));
        result.put("leadsContacted", JsonNode.createNumberNode(stats.leadsContacted()));
        result.put("posted", JsonNode.createBooleanNode(true));
        return JobOutcome.succeeded(JsonNode.createObjectNode(result));
    }

    /** ". Not connected: slack (DISCONNECTED)", or nothing; the digest goes out without it if health cannot be read. */
    private String notConnected(UUID workspace) {
        try {
            List<IntegrationHealth> health = integrations.integrationHealth(workspace.toString());
            String down = health == null ? "" : health.stream()
                    .filter(h -> "DISCONNECTED".equals(h.status()) || "DEGRADED".equals(h.status()))
                    .map(h -> h.provider() + " (" + h.status() + ")").collect(Collectors.joining(", "));
            return down.isEmpty() ? "" : ". Not connected: " + down;
        } catch (RuntimeException e) {
            LOG.debug("integration health for the digest of {} unavailable: {}", workspace, e.getClass().getSimpleName());
            return ". Integration health unavailable";
        }
    }

    /** What a period held for a workspace, from this service's own jobs and lead contacts. */
    record Stats(long replies, Map<String, Long> sentiments, long autoSent, long leadsContacted) {

        String describe() {
            String mix = sentiments.isEmpty() ? "" : " (" + sentiments.entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", ")) + ")";
            return replies + " replies" + mix + ", " + autoSent + " drafts sent automatically, " + leadsContacted
                    + " leads contacted";
        }
    }

    Stats stats(UUID workspace, Period.Window window) {
        return jdbc.statement("digest-stats", c -> {
            {
                Map<String, Long> sentiments = new LinkedHashMap<>();
                long replies = 0;
                long sent = 0;
                try (PreparedStatement st = c.prepareStatement("""
                        SELECT coalesce(result->>'sentiment', 'unknown'), count(*),
                               count(*) FILTER (WHERE result->'steps'->>'sent' IN ('done', 'kept'))
                        FROM jobs.jobs
                        WHERE workspace_id = ? AND type IN (?, ?) AND created_at >= ? AND created_at < ?
                        GROUP BY 1 ORDER BY 2 DESC, 1""")) {
                    st.setObject(1, workspace);
                    st.setString(2, EmailInboundPostProcess.TYPE);
                    st.setString(3, SmsInboundPostProcess.TYPE);
                    st.setTimestamp(4, Timestamp.from(window.start()));
                    st.setTimestamp(5, Timestamp.from(window.end()));
                    try (ResultSet rs = st.executeQuery()) {
                        while (rs.next()) {
                            sentiments.put(rs.getString(1), rs.getLong(2));
                            replies += rs.getLong(2);
                            sent += rs.getLong(3);
                        }
                    }
                }
                long contacted;
                try (PreparedStatement st = c.prepareStatement("""
                        SELECT count(*) FROM jobs.lead_contacts
                        WHERE workspace_id = ? AND contacted_at >= ? AND contacted_at < ?""")) {
                    st.setObject(1, workspace);
                    st.setTimestamp(2, Timestamp.from(window.start()));
                    st.setTimestamp(3, Timestamp.from(window.end()));
                    try (ResultSet rs = st.executeQuery()) {
                        rs.next();
                        contacted = rs.getLong(1);
                    }
                }
                return new Stats(replies, sentiments, sent, contacted);
            }
        });
    }
}
