package dev.ballast.jobs;

import dev.ballast.testsupport.ServiceContract;

class JobsServiceContractTest extends ServiceContract {

    @Override
    protected String schema() {
        return "jobs";
    }

    @Override
    protected String openApiDocument() {
        return "jobs-service-1.yml";
    }
}
