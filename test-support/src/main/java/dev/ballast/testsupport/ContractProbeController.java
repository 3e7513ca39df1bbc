package dev.ballast.testsupport;

import io.micronaut.context.annotation.Requires;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Post;
import io.micronaut.serde.annotation.Serdeable;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/**
 * A JSON endpoint that {@link ServiceContract} switches on in a service under test, so that the service's
 * own error handling (malformed JSON, wrong media type, failed validation) can be exercised.
 */
@Controller("/contract-probe")
@Requires(property = "ballast.contract-probe.enabled", value = "true")
public class ContractProbeController {

    @Post(consumes = MediaType.APPLICATION_JSON, produces = MediaType.APPLICATION_JSON)
    public Probe echo(@Body @Valid Probe probe) {
        return probe;
    }

    /** The probe's body. */
    @Serdeable
    public record Probe(@NotBlank @Size(max = 64) String name, int count) {
    }
}
