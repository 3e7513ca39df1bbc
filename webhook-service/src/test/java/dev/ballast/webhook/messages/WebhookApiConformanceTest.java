package dev.ballast.webhook.messages;

import dev.ballast.testsupport.ContractConformance;
import dev.ballast.webhook.api.WebhookOperations;
import org.junit.jupiter.api.Test;

class WebhookApiConformanceTest {

    @Test
    void theGeneratedOpenApiDocumentShowsTheReadApiAsDeclared() {
        ContractConformance.ofGeneratedDocument("webhook-service-1.yml")
                .assertImplementedAsDocumented(WebhookOperations.class, MessageController.class);
    }
}
