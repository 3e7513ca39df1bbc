package dev.ballast.integrations;

import dev.ballast.testsupport.ServiceContract;

class IntegrationsServiceContractTest extends ServiceContract {

    @Override
    protected String schema() {
        return "integrations";
    }

    @Override
    protected String openApiDocument() {
        return "integrations-service-1.yml";
    }
}
