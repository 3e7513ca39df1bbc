package dev.ballast.webhook.email;

import dev.ballast.webhook.intake.WebhookIntake;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.QueryValue;
import io.swagger.v3.oas.annotations.Operation;
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
    public CompletionStage<HttpResponse<?>> receive(@PathVariable String workspaceId, HttpRequest<?> request,
                                                    @Nullable @QueryValue String token, @Nullable @Body byte[] body) {
        return intake.dispatch(reader, workspaceId, request, token, body);
    }
}
