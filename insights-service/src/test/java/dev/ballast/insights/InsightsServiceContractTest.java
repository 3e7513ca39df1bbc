package dev.ballast.insights;

import dev.ballast.testsupport.ServiceContract;

class InsightsServiceContractTest extends ServiceContract {

    @Override
    protected String schema() {
        return "insights";
    }

    @Override
    protected String openApiDocument() {
        return "insights-service-1.yml";
    }
}
