package dev.ballast.integrations.health;

import dev.ballast.integrations.api.IntegrationsOperations.SlackNotice;
import dev.ballast.integrations.api.IntegrationsOperations.SlackReceipt;
import dev.ballast.integrations.calls.Operation;
import dev.ballast.integrations.calls.OperationFailure;
import dev.ballast.integrations.calls.ProviderCalls;
import dev.ballast.integrations.providers.Provider;
import dev.ballast.integrations.providers.SlackOperations;
import io.micronaut.context.BeanProvider;
import io.micronaut.scheduling.TaskExecutors;
import jakarta.inject.Named;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.SQLException;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.UUID;
import java.util.concurrent.ExecutorService;

/**
 * The Slack alert of a disconnected integration: at most one per (workspace, provider) and UTC day, whichever replica
 * sees the disconnect first inserting the day's alert row. The alert is posted to the workspace's alert channel
 * through the same Slack client and stored-answer rule as any notice (its key is the day's alert), off the caller's
 * thread so that the answer to the call that found the disconnect is not held up by Slack.
 */
@Singleton
public final class DisconnectAlerts {

    static final String KIND = "disconnected";
    private static final Logger LOG = LoggerFactory.getLogger(DisconnectAlerts.class);

    private final HealthStore health;
    private final HealthSettings settings;
    private final BeanProvider<ProviderCalls> calls;
    private final SlackOperations slack;
    private final ExecutorService executor;
    private final Clock clock;

    DisconnectAlerts(HealthStore health, HealthSettings settings, BeanProvider<ProviderCalls> calls,
                     SlackOperations slack, @Named(TaskExecutors.BLOCKING) ExecutorService executor, Clock clock) {
        this.health = health;
        this.settings = settings;
        this.calls = calls;
        this.slack = slack;
        this.executor = executor;
        this.clock = clock;
    }

    /** Called on every observed disconnect; sends the alert if this is the day's first for the integration. */
    public void disconnected(UUID workspace, Provider provider, String code) {
        if (!settings.alertsEnabled()) {
            return;
        }
        LocalDate day = LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
        try {
            if (!health.claimAlert(workspace, provider, KIND, day)) {
                return;
            }
        } catch (RuntimeException | SQLException e) {
            LOG.warn("disconnect alert of {} for workspace {} not claimed: {}", provider.id(), workspace,
                    e.getClass().getSimpleName());
            return;
        }
        LOG.warn("integration disconnected workspace={} provider={} code={}: alerting", workspace, provider.id(), code);
        if (provider == Provider.SLACK) {
            // the alert channel is the disconnected integration itself: the log line above is the alert
            return;
        }
        executor.execute(() -> post(workspace, provider, code, day));
    }

    private void post(UUID workspace, Provider provider, String code, LocalDate day) {
        String text = ":warning: Ballast: the " + provider.id() + " integration of workspace " + workspace
                + " is disconnected (" + code + "). Calls to it are skipped until its credentials are updated.";
        SlackNotice notice = new SlackNotice(workspace, 0, text);
        String key = "alert:" + KIND + ":" + provider.id() + ":" + day;
        try {
            calls.get().run(Operation.DISCONNECT_ALERT, workspace.toString(), key, workspace, notice, SlackReceipt.class,
                    access -> slack.post(access.alertChannel() != null ? access.alertChannel()
                            : access.channel() == null ? "#alerts" : access.channel(), text));
        } catch (OperationFailure e) {
            LOG.warn("disconnect alert of {} for workspace {} not posted: HTTP {}", provider.id(), workspace, e.status());
        } catch (RuntimeException e) {
            LOG.warn("disconnect alert of {} for workspace {} not posted: {}", provider.id(), workspace,
                    e.getClass().getSimpleName());
        }
    }
}
