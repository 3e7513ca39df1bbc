package dev.ballast.integrations.providers;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.json.tree.JsonNode;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/**
 * EmailBison's API on the workspace's instance. Reads are retried as GETs are; EmailBison offers no idempotency key
 * for sending a reply, so a reply that may have been sent is never sent again.
 */
@Client(id = "emailbison")
public interface EmailBisonClient {

    @Get("/api/leads/{email}")
    JsonNode lead(@PathVariable String email);

    @Get("/api/leads/{email}/sent-emails")
    JsonNode sentEmails(@PathVariable String email);

    @Post("/api/replies/{replyId}/reply")
    JsonNode reply(@PathVariable String replyId, @Body Reply reply);

    /** The token's user: the cheapest authenticated read, used as the health check. */
    @Get("/api/users")
    JsonNode me();

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Reply(String message, @JsonProperty("to_emails") List<Recipient> toEmails, @Nullable String subject,
                 @JsonProperty("reply_all") boolean replyAll) {
    }

    @Serdeable
    record Recipient(@Nullable String name, @JsonProperty("email_address") String emailAddress) {
    }
}
