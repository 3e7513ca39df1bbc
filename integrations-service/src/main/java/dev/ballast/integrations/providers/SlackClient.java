package dev.ballast.integrations.providers;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.serde.annotation.Serdeable;

/**
 * Slack's Web API. {@code chat.postMessage} has no idempotency key, so a post that may have reached Slack is never
 * sent again (the retry matrix's "other POST" column). Slack answers most errors with 200 and {@code "ok": false}.
 */
@Client(id = "slack")
public interface SlackClient {

    @Post("/chat.postMessage")
    SlackAnswer postMessage(@Body PostMessage message);

    @Post("/auth.test")
    SlackAnswer authTest();

    @Serdeable
    record PostMessage(String channel, String text) {
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record SlackAnswer(boolean ok, @Nullable String error, @Nullable String channel, @Nullable String ts) {
    }
}
