package dev.ballast.integrations.admin;

import com.github.tomakehurst.wiremock.client.WireMock;
import dev.ballast.integrations.testing.IntegrationsServiceUnderTest;
import dev.ballast.integrations.testing.Providers;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

/** The admin API: credentials written once and never shown, health read with filters, bad input refused as 400. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class IntegrationsAdminApiTest {

    private static final String ADMIN = "Bearer " + IntegrationsServiceUnderTest.ADMIN_TOKEN;
    private IntegrationsServiceUnderTest service;

    @BeforeAll
    void start() {
        service = IntegrationsServiceUnderTest.start(Map.of());
        Providers.allWorking(service.providers());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void storedCredentialsAreListedWithoutTheirSecret() {
        UUID ws = UUID.randomUUID();
        HttpResponse<String> put = service.put("/admin/workspaces/" + ws + "/integrations/slack",
                "{\"token\":\"xoxb-abc-123\",\"channel\":\"#replies\",\"alertChannel\":\"#ops\"}", "Authorization", ADMIN);
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(put.body()).doesNotContain("xoxb-abc-123").contains("\"secretStored\":true");

        HttpResponse<String> list = service.get("/admin/workspaces/" + ws + "/integrations", "Authorization", ADMIN);
        assertThat(list.statusCode()).isEqualTo(200);
        JsonNode first = service.json(list).get(0);
        assertThat(first.get("provider").getStringValue()).isEqualTo("slack");
        assertThat(first.get("alertChannel").getStringValue()).isEqualTo("#ops");
        assertThat(list.body()).doesNotContain("xoxb-abc-123");
    }

    @Test
    void badInputIs400AndStoresNothing() {
        UUID ws = UUID.randomUUID();
        for (String[] c : new String[][]{
                {"/admin/workspaces/not-a-uuid/integrations/slack", "{\"token\":\"t\"}", "invalid_workspace_id"},
                {"/admin/workspaces/" + ws + "/integrations/myspace", "{\"token\":\"t\"}", "invalid_provider"},
                {"/admin/workspaces/" + ws + "/integrations/slack", "{\"channel\":\"#x\"}", "invalid_token_value"},
                {"/admin/workspaces/" + ws + "/integrations/emailbison", "{\"token\":\"t\",\"baseUrl\":\"ftp://x\"}", "invalid_base_url"},
                {"/admin/workspaces/" + ws + "/integrations/emailbison", "{\"token\":\"t\",\"baseUrl\":\"https://u:p@x.example\"}", "invalid_base_url"}}) {
            HttpResponse<String> r = service.put(c[0], c[1], "Authorization", ADMIN);
            assertThat(r.statusCode()).as(c[0] + " " + c[1]).isEqualTo(400);
            assertThat(r.body()).contains(c[2]);
        }
        assertThat(service.get("/admin/integrations/health?status=SLEEPY", "Authorization", ADMIN).statusCode()).isEqualTo(400);
        assertThat(service.count("SELECT count(*) FROM integrations.integration_credentials WHERE workspace_id = ?", ws))
                .isZero();
    }

    @Test
    void healthIsFilteredByWorkspaceProviderAndStatus() {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        var down = service.providers().stubFor(WireMock.any(urlPathMatching("/ghl/.*")).atPriority(1)
                .willReturn(WireMock.aResponse().withStatus(401)));
        try {
            service.post("/cron/integrations/health-check", "", "Authorization", "Bearer " + IntegrationsServiceUnderTest.CRON_TOKEN);
        } finally {
            service.providers().removeStub(down);
        }
        HttpResponse<String> all = service.get("/admin/integrations/health?workspaceId=" + ws, "Authorization", ADMIN);
        assertThat(service.json(all).size()).isEqualTo(4);
        HttpResponse<String> disconnected = service.get("/admin/integrations/health?workspaceId=" + ws
                + "&status=disconnected", "Authorization", ADMIN);
        JsonNode rows = service.json(disconnected);
        assertThat(rows.size()).isEqualTo(1);
        assertThat(rows.get(0).get("provider").getStringValue()).isEqualTo("ghl");
        assertThat(rows.get(0).get("lastErrorCode").getStringValue()).isEqualTo("http_401");
        assertThat(service.json(service.get("/admin/integrations/health?workspaceId=" + ws + "&provider=slack",
                "Authorization", ADMIN)).get(0).get("status").getStringValue()).isEqualTo("CONNECTED");
    }

    @Test
    void anEmailBisonInstanceUrlSendsItsCallsThere() {
        UUID ws = UUID.randomUUID();
        service.connectAll(ws);
        service.connect(ws, "emailbison", "{\"token\":\"eb-x\",\"baseUrl\":\"" + service.providers().baseUrl()
                + "/instance-7\"}");
        service.providers().stubFor(WireMock.get(urlPathMatching("/instance-7/api/leads/.*"))
                .willReturn(WireMock.okJson("{\"data\":{\"company\":\"Seven\"}}")));

        HttpResponse<String> r = service.operation("/providers/emailbison/enrichment", ws, "e",
                "{\"workspaceId\":\"" + ws + "\",\"leadId\":1,\"email\":\"a@b.example\"}");

        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("Seven");
        assertThat(service.providers().findAll(getRequestedFor(urlPathMatching("/instance-7/api/leads/.*")))).hasSize(1);
    }
}
