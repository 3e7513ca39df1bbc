package dev.ballast.webhook.ghl;

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
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.swagger.v3.oas.annotations.Operation;
import io.swagger.v3.oas.annotations.tags.Tag;

/** GHL SMS deliveries (InboundMessage webhook and workflow custom webhook). GHL redelivers only on 429. */
@Controller("/webhooks/ghl")
@ExecuteOn(TaskExecutors.BLOCKING)
@Tag(name = "webhooks")
public class GhlWebhookController {

    private final WebhookIntake intake;
    private final GhlEventReader reader;

    GhlWebhookController(WebhookIntake intake, GhlEventReader reader) {
        this.intake = intake;
        this.reader = reader;
    }

    @Post(uri = "/sms/{workspaceId}", consumes = MediaType.ALL,
            produces = {MediaType.APPLICATION_JSON, MediaType.APPLICATION_JSON_PROBLEM})
    @Operation(summary = "GHL SMS webhook: 200 accepted|duplicate|ignored, 4xx refused, 429 + Retry-After when "
            + "it could not be stored")
    public HttpResponse<?> receive(@PathVariable String workspaceId, HttpRequest<?> request,
                                   @Nullable @QueryValue String token, @Nullable @Body byte[] body) {
        return intake.receive(reader, workspaceId, request, token, body);
    }
}
