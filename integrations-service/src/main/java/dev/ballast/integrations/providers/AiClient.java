package dev.ballast.integrations.providers;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import dev.ballast.resilience.http.SideEffectFree;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.client.annotation.Client;
import io.micronaut.serde.annotation.Serdeable;

import java.util.List;

/**
 * An OpenAI-compatible chat-completions API. Side-effect free: a completion changes nothing, so the retry matrix
 * resends it after a timeout or a reset like a GET. Base URL and timeouts: {@code micronaut.http.services.ai.*};
 * attempts, backoff and breaker: {@code ballast.clients.ai.*}.
 */
@Client(id = "ai")
@SideEffectFree
public interface AiClient {

    @Post("/chat/completions")
    ChatCompletion complete(@Body ChatRequest request);

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ChatRequest(String model, List<ChatMessage> messages, double temperature,
                       @Nullable @JsonProperty("response_format") ResponseFormat responseFormat) {
    }

    @Serdeable
    record ChatMessage(String role, String content) {
    }

    @Serdeable
    record ResponseFormat(String type) {
        public static final ResponseFormat JSON = new ResponseFormat("json_object");
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record ChatCompletion(@Nullable String id, @Nullable List<Choice> choices) {

        /** The first choice's text, or null. */
        public @Nullable String content() {
            if (choices == null || choices.isEmpty() || choices.getFirst().message() == null) {
                return null;
            }
            return choices.getFirst().message().content();
        }
    }

    @Serdeable
    @JsonInclude(JsonInclude.Include.NON_NULL)
    record Choice(int index, @Nullable ChatMessage message, @Nullable @JsonProperty("finish_reason") String finishReason) {
    }
}
