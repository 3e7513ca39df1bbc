package dev.ballast.resilience.http;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micronaut.context.ApplicationContext;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.runtime.server.EmbeddedServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.List;
import java.util.Map;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

/** Each of our own services gets its own bearer token; a client with no token configured sends none. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ServiceTokensTest {

    @Client(id = "orders")
    interface Orders {
        @Get("/orders/ping")
        String ping();
    }

    @Client(id = "billing")
    interface Billing {
        @Get("/billing/ping")
        String ping();
    }

    @Client(id = "weather")
    interface Weather {
        @Get("/weather/ping")
        String ping();
    }

    private WireMockServer wireMock;
    private EmbeddedServer server;

    @BeforeAll
    void start() {
        wireMock = WireMockSupport.startWireMock();
        wireMock.stubFor(any(anyUrl()).willReturn(aResponse().withStatus(200).withBody("pong")));
        server = ApplicationContext.run(EmbeddedServer.class, Map.of(
                "micronaut.server.port", -1,
                "micronaut.http.services.orders.url", wireMock.baseUrl(),
                "micronaut.http.services.billing.url", wireMock.baseUrl(),
                "micronaut.http.services.weather.url", wireMock.baseUrl(),
                "ballast.service-tokens.orders", "orders-token",
                "ballast.service-tokens.billing", "  billing-token \n",
                "ballast.service-tokens.weather", "  "));
    }

    @AfterAll
    void stop() {
        server.getApplicationContext().close();
        wireMock.stop();
    }

    @Test
    void eachServiceGetsItsOwnTokenAndABlankTokenSendsNoHeader() {
        server.getApplicationContext().getBean(Orders.class).ping();
        server.getApplicationContext().getBean(Billing.class).ping();
        server.getApplicationContext().getBean(Weather.class).ping();

        assertThat(authorization("/orders/ping")).isEqualTo("Bearer orders-token");
        assertThat(authorization("/billing/ping")).as("stripped").isEqualTo("Bearer billing-token");
        assertThat(authorization("/weather/ping")).as("blank: no header").isNull();
    }

    private String authorization(String path) {
        List<LoggedRequest> requests = wireMock.findAll(anyRequestedFor(urlEqualTo(path)));
        assertThat(requests).hasSize(1);
        return requests.getFirst().getHeader("Authorization");
    }
}
