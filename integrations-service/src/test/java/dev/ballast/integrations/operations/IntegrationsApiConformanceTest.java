package dev.ballast.integrations.operations;

import dev.ballast.integrations.api.IntegrationsOperations;
import dev.ballast.testsupport.ContractConformance;
import org.junit.jupiter.api.Test;

class IntegrationsApiConformanceTest {

    @Test
    void theGeneratedOpenApiDocumentShowsTheProviderOperationsAsDeclared() {
        ContractConformance.ofGeneratedDocument("integrations-service-1.yml")
                .assertImplementedAsDocumented(IntegrationsOperations.class, IntegrationsController.class);
    }
}
