package dev.ballast.webhook.deliverylog;

import dev.ballast.webhook.testing.RunningWebhookService;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeliveryLogPrunerTest {

    private RunningWebhookService service;

    @BeforeAll
    void start() {
        // Small batches, so that pruning has to go round more than once.
        service = RunningWebhookService.start(Map.of("ballast.webhook.delivery-log.retention", "7d",
                "ballast.webhook.delivery-log.prune-batch-size", "3"));
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void rowsPastTheRetentionArePrunedInBatchesAndRecentOnesKept() {
        service.execute("""
                INSERT INTO webhook.webhook_deliveries (provider, outcome, http_status, body_bytes, received_at)
                SELECT 'emailbison', 'accepted', 200, 10, now() - make_interval(days => d) + interval '12 hours'
                FROM generate_series(1, 20) AS d""");
        DeliveryLogPruner pruner = service.context().getBean(DeliveryLogPruner.class);

        assertThat(pruner.prune()).isEqualTo(13);
        assertThat(service.count("SELECT count(*) FROM webhook.webhook_deliveries")).isEqualTo(7);
        assertThat(service.count("SELECT count(*) FROM webhook.webhook_deliveries WHERE received_at < now() - interval '7 days'"))
                .isZero();
        assertThat(pruner.prune()).isZero();
    }
}
