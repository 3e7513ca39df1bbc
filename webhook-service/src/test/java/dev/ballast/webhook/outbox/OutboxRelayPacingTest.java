package dev.ballast.webhook.outbox;

import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How the relay treats jobs-service's refusals and outages, run by run. The client's breaker is off and its policy
 * sends each call once here, so that every request counted is one the relay itself decided to make.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OutboxRelayPacingTest {

    private JobsServiceStandIn jobs;
    private RunningWebhookService service;
    private OutboxRelay relay;

    @BeforeAll
    void start() {
        jobs = new JobsServiceStandIn();
        service = RunningWebhookService.start(Map.of(
                "micronaut.http.services.jobs.url", jobs.url(),
                "ballast.clients.jobs.base", "5ms",
                "ballast.clients.jobs.cap", "20ms",
                "ballast.clients.jobs.deadline", "5s",
                "ballast.clients.jobs.breaker.enabled", "false",
                "ballast.clients.jobs.attempts", "1",
                "ballast.webhook.outbox.relay.batch-size", "5"));
        relay = service.context().getBean(OutboxRelay.class);
    }

    @AfterAll
    void stop() {
        service.close();
        jobs.close();
    }

    /** Each test starts from a relay whose last call went through, as the relay of a healthy system is. */
    @BeforeEach
    void jobsServiceUpAndRelayed() {
        jobs.accepting();
        TestWorkspace ws = service.createWorkspace();
        service.acceptNewReply(ws);
        assertThat(relay.relayOnce().delivered()).isPositive();
    }

    @Test
    void aCallRefusedAsAWholeParksItsRowOnlyWhenResendingCannotHelp() {
        for (int status : new int[] {400, 409, 413, 422, 401, 403, 404, 500, 502, 503, 504}) {
            TestWorkspace ws = service.createWorkspace();
            service.acceptNewReply(ws);
            jobs.answering(status);

            relay.relayOnce();

            Map<String, Object> row = service.query("SELECT attempts, parked_at, delivered_at FROM webhook.outbox "
                    + "WHERE workspace_id = ?", ws.id()).getFirst();
            boolean parks = status == 400 || status == 409 || status == 413 || status == 422;
            assertThat(row.get("parked_at") != null).as("parked after %d", status).isEqualTo(parks);
            assertThat(row.get("delivered_at")).as("delivered after %d", status).isNull();
            assertThat(row.get("attempts")).as("attempts after %d", status).isEqualTo(1);
            // a row left to back off must not come due in a later iteration or test
            service.execute("DELETE FROM webhook.outbox WHERE workspace_id = ?", ws.id());
        }
    }

    @Test
    void whileJobsServiceIsDownEachRelayRunMakesOneCallWhateverTheBacklog() {
        TestWorkspace ws = service.createWorkspace();
        for (int i = 0; i < 8; i++) {
            service.acceptNewReply(ws);
        }
        jobs.unavailable();
        try {
            for (int run = 0; run < 4; run++) {
                int before = jobs.posts().size();

                relay.relayOnce();

                assertThat(jobs.posts().size() - before).as("calls in run %d", run).isEqualTo(1);
            }
        } finally {
            service.execute("DELETE FROM webhook.outbox WHERE workspace_id = ?", ws.id());
        }
    }
}
