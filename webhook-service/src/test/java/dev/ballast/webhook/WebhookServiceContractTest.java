package dev.ballast.webhook;

import dev.ballast.testsupport.ServiceContract;

class WebhookServiceContractTest extends ServiceContract {

    @Override
    protected String schema() {
        return "webhook";
    }

    @Override
    protected String openApiDocument() {
        return "webhook-service-1.yml";
    }
}
