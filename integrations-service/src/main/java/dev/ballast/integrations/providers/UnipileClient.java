package dev.ballast.integrations.providers;

import io.micronaut.http.MediaType;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.http.client.multipart.MultipartBody;
import io.micronaut.json.tree.JsonNode;

/**
 * Unipile's API (LinkedIn). A message POST is never retried once it may have been sent. A disconnected account
 * answers 401 with {@code type} {@code errors/disconnected_account} (v1) or {@code provider/invalid_authorization} (v2).
 */
@Client(id = "unipile")
public interface UnipileClient {

    /** A message in an existing chat. */
    @Post(value = "/api/v1/chats/{chatId}/messages", produces = MediaType.MULTIPART_FORM_DATA)
    JsonNode sendInChat(@PathVariable String chatId, @Body MultipartBody body);

    /** A new chat with an attendee (an InMail when {@code linkedin[inmail]} is true). */
    @Post(value = "/api/v1/chats", produces = MediaType.MULTIPART_FORM_DATA)
    JsonNode startChat(@Body MultipartBody body);

    @Get("/api/v1/accounts/{accountId}")
    JsonNode account(@PathVariable String accountId);
}
