package dev.ballast.webhook.email;

import dev.ballast.webhook.intake.WebhookIntake;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.Parameter;
import io.swagger.v3.oas.annotations.enums.ParameterIn;
import io.swagger.v3.oas.annotations.media.Content;
import io.swagger.v3.oas.annotations.media.Schema;
import io.swagger.v3.oas.annotations.parameters.RequestBody;
import io.swagger.v3.oas.annotations.tags.Tag;

import java.util.concurrent.CompletionStage;

/**
 * EmailBison and Inboxxia deliveries. The body is taken raw: signatures are over its exact bytes. No
 * {@code @ExecuteOn}: {@link WebhookIntake#dispatch} picks the thread.
 */
@Controller("/webhooks/email")
@Tag(name = "webhooks")
public class EmailWebhookController {

    private final WebhookIntake intake;
    private final EmailBisonEventReader reader;

    EmailWebhookController(WebhookIntake intake, EmailBisonEventReader reader) {
        this.intake = intake;
        this.reader = reader;
    }

    @Post(uri = "/{workspaceId}", consumes = MediaType.ALL,
            produces = {MediaType.APPLICATION_JSON, MediaType.APPLICATION_JSON_PROBLEM})
    @Operation(summary = "EmailBison / Inboxxia webhook: 200 accepted|duplicate|ignored, 4xx refused, 503 + "
            + "Retry-After when it could not be stored")
    // ?token= is read by the intake only when there is no signature or bearer token: not decoded for the others.
    @Parameter(name = "token", in = ParameterIn.QUERY, description = "the workspace's intake token, for senders "
            + "that can neither sign nor send an Authorization header")
    // No @Body: the intake reads the body itself, no further than its size limit.
    @RequestBody(required = true, description = "the provider's JSON event, as it was signed",
            content = @Content(mediaType = MediaType.APPLICATION_JSON, schema = @Schema(type = "object")))
    public CompletionStage<HttpResponse<?>> receive(@PathVariable String workspaceId, HttpRequest<?> request) {
        return intake.dispatch(reader, workspaceId, request);
    }
}
