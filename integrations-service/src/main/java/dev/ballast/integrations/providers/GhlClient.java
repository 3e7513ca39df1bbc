package dev.ballast.integrations.providers;

import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

/** GoHighLevel (LeadConnector) v2 API. Sending a message has no idempotency key: never resent once it may be sent. */
@Client(id = "ghl")
public interface GhlClient {

    @Post("/conversations/messages")
    JsonNode sendMessage(@Body Message message);

    @Get("/locations/{locationId}")
    JsonNode location(@PathVariable String locationId);

    /** {@code type}: SMS. */
    @Serdeable
    record Message(String type, String contactId, String message) {
    }
}
