package dev.ballast.jobs.queue;

import dev.ballast.jobs.api.JobsOperations;
import dev.ballast.testsupport.ContractConformance;
import org.junit.jupiter.api.Test;

class JobsApiConformanceTest {

    @Test
    void theGeneratedOpenApiDocumentShowsTheEnqueueApiAsDeclared() {
        ContractConformance.ofGeneratedDocument("jobs-service-1.yml")
                .assertImplementedAsDocumented(JobsOperations.class, JobsController.class);
    }
}
