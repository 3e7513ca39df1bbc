package dev.ballast.integrations.health;

import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.integrations.testing.Providers;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * What other services and Prometheus read of integration health: a workspace's own integrations through
 * {@code GET /integrations/health} (service token), and per-provider counts per state as a gauge.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HealthReadsTest {

    private IntegrationsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = IntegrationsServiceUnderTest.start(Map.of("ballast.integrations.health.alerts-enabled", "false"));
        Providers.allWorking(service.providers());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void aDisconnectedIntegrationShowsInItsWorkspacesHealthAndInTheGauge() {
        UUID down = UUID.randomUUID();
        UUID fine = UUID.randomUUID();
        service.connectAll(down);
        service.connectAll(fine);
        service.providers().stubFor(any(urlPathMatching("/unipile/api/v1/.*")).atPriority(1)
                .willReturn(Providers.unipileDisconnected()));
        assertThat(service.operation("/providers/unipile/messages", down, "m-1", """
                {"workspaceId":"%s","accountId":"acc-1","attendeeId":"att-1","text":"hi","inmail":false}"""
                .formatted(down)).statusCode()).isEqualTo(409);

        HttpResponse<String> health = service.get("/integrations/health", "Authorization",
                "Bearer " + IntegrationsServiceUnderTest.SERVICE_TOKEN, "X-Workspace-Id", down.toString());
        assertThat(health.statusCode()).as(health.body()).isEqualTo(200);
        assertThat(health.body()).contains("{\"provider\":\"unipile\",\"status\":\"DISCONNECTED\"");
        HttpResponse<String> other = service.get("/integrations/health", "Authorization",
                "Bearer " + IntegrationsServiceUnderTest.SERVICE_TOKEN, "X-Workspace-Id", fine.toString());
        assertThat(other.body()).doesNotContain("DISCONNECTED");
        assertThat(service.get("/integrations/health", "X-Workspace-Id", down.toString()).statusCode())
                .as("no token").isEqualTo(401);

        service.bean(HealthGauges.class).refresh();
        MeterRegistry meters = service.bean(MeterRegistry.class);
        assertThat(meters.get("ballast.integrations.health.state").tag("provider", "unipile")
                .tag("state", "DISCONNECTED").gauge().value()).isEqualTo(1.0);
        assertThat(meters.get("ballast.integrations.health.state").tag("provider", "slack")
                .tag("state", "DISCONNECTED").gauge().value()).isZero();
    }
}
