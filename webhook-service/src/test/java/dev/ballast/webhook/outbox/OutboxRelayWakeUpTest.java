package dev.ballast.webhook.outbox;

import dev.ballast.webhook.testing.RealJobsService;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An idle relay is woken by the intake's commit, not by its interval: here the interval is an hour, so only the
 * wake-up can relay the row. It needs no session of its own, so it works behind PgBouncer as well.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxRelayWakeUpTest {

    private RealJobsService jobs;
    private RunningWebhookService service;
    private RunningWebhookService behindPgBouncer;

    @BeforeAll
    void start() {
        jobs = RealJobsService.start();
        service = RunningWebhookService.start(relayWithAnHourlyInterval(false));
        behindPgBouncer = RunningWebhookService.start(relayWithAnHourlyInterval(true));
    }

    private Map<String, Object> relayWithAnHourlyInterval(boolean pgbouncer) {
        Map<String, Object> p = new HashMap<>();
        p.put("micronaut.http.services.jobs.url", jobs.url());
        p.put("ballast.service-tokens.jobs", RealJobsService.TOKEN);
        p.put("ballast.clients.jobs.deadline", "5s");
        p.put("ballast.webhook.outbox.relay.enabled", "true");
        p.put("ballast.webhook.outbox.relay.interval", "1h");
        p.put("ballast.webhook.outbox.relay.initial-delay", "1h");
        p.put("ballast.webhook.outbox.relay.lease", "30s");
        p.put("ballast.db.pgbouncer", Boolean.toString(pgbouncer));
        return p;
    }

    @AfterAll
    void stop() {
        behindPgBouncer.close();
        service.close();
        jobs.close();
    }

    @Test
    void anIdleRelayIsWokenByTheCommitOfADeliveryAndRelaysItAtOnce() {
        relayedAtOnce(service);
    }

    @Test
    void behindPgBouncerTheCommitOfADeliveryStillWakesTheRelay() {
        relayedAtOnce(behindPgBouncer);
    }

    private void relayedAtOnce(RunningWebhookService s) {
        TestWorkspace ws = s.createWorkspace();
        long message = s.acceptNewReply(ws);

        await().atMost(Duration.ofSeconds(10)).until(() -> s.undeliveredOutboxRows(ws.id()) == 0);
        assertThat(jobs.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key = ?",
                JobTypes.dedupeKey(JobTypes.EMAIL_INBOUND_POST_PROCESS, message))).isEqualTo(1);
        // within moments of the commit, where the interval would have taken an hour
        assertThat(s.count("SELECT count(*) FROM webhook.outbox WHERE workspace_id = ? "
                + "AND delivered_at - created_at < interval '2 seconds'", ws.id())).isEqualTo(1);
    }
}
