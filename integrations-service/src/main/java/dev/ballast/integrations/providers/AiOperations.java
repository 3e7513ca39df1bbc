package dev.ballast.integrations.providers;

import dev.ballast.integrations.api.IntegrationsOperations.Draft;
import dev.ballast.integrations.api.IntegrationsOperations.DraftRequest;
import dev.ballast.integrations.api.IntegrationsOperations.LeadInsight;
import dev.ballast.integrations.api.IntegrationsOperations.LeadInsightRequest;
import dev.ballast.integrations.api.IntegrationsOperations.PackSynthesis;
import dev.ballast.integrations.api.IntegrationsOperations.PackSynthesisRequest;
import dev.ballast.integrations.api.IntegrationsOperations.Sentiment;
import dev.ballast.integrations.api.IntegrationsOperations.SentimentRequest;
import dev.ballast.integrations.providers.AiClient.ChatMessage;
import dev.ballast.integrations.providers.AiClient.ChatRequest;
import dev.ballast.integrations.providers.AiClient.ResponseFormat;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.util.List;

/** The AI operations as prompts to a chat-completions model, and its answers read back into the contract's records. */
@Singleton
public final class AiOperations {

    private static final int MAX_TEXT = 8000;

    private final AiClient client;
    private final JsonMapper json;
    private final String model;

    AiOperations(AiClient client, JsonMapper json, @Value("${ballast.integrations.ai.model:gpt-4o-mini}") String model) {
        this.client = client;
        this.json = json;
        this.model = model;
    }

    public Sentiment sentiment(SentimentRequest r) {
        JsonNode answer = jsonAnswer("""
                Classify the sentiment of this reply to a sales email. Answer JSON: {"label": one of positive, \
                interested, neutral, not-interested, negative, out-of-office, unsubscribe; "score": 0..1}.""",
                text(r.subject(), r.body()));
        String label = string(answer, "label");
        JsonNode score = answer.get("score");
        if (label == null || score == null || !score.isNumber()) {
            throw new ProviderRefusal(ProviderRefusal.Kind.INVALID_ANSWER, "sentiment_without_label_or_score");
        }
        return new Sentiment(label, clamp(score.getDoubleValue()));
    }

    public Draft draft(DraftRequest r) {
        JsonNode answer = jsonAnswer("""
                Write a short reply to this email from a lead whose sentiment is %s. Answer JSON: {"subject": text, \
                "body": text, "confidence": 0..1 how sure you are it can be sent as it is}.""".formatted(r.sentiment()),
                text(r.subject(), r.body()));
        String body = string(answer, "body");
        JsonNode confidence = answer.get("confidence");
        if (body == null || confidence == null || !confidence.isNumber()) {
            throw new ProviderRefusal(ProviderRefusal.Kind.INVALID_ANSWER, "draft_without_body_or_confidence");
        }
        return new Draft(string(answer, "subject"), body, clamp(confidence.getDoubleValue()));
    }

    public LeadInsight leadInsight(LeadInsightRequest r) {
        String question = r.question() == null ? "What does this lead want, and how warm are they?" : r.question();
        return new LeadInsight(textAnswer("Answer the question from this lead's conversation, in two sentences. Question: "
                + question, String.join("\n", r.messages() == null ? List.of() : r.messages())));
    }

    public PackSynthesis packSynthesis(PackSynthesisRequest r) {
        String question = r.question() == null ? "What do these leads have in common?" : r.question();
        return new PackSynthesis(textAnswer("Answer the question from these per-lead insights. Question: " + question,
                String.join("\n", r.insights() == null ? List.of() : r.insights())));
    }

    private JsonNode jsonAnswer(String instruction, String input) {
        String content = complete(instruction, input, ResponseFormat.JSON);
        try {
            JsonNode node = json.readValue(content, JsonNode.class);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // answered below
        }
        throw new ProviderRefusal(ProviderRefusal.Kind.INVALID_ANSWER, "model_answer_not_json");
    }

    private String textAnswer(String instruction, String input) {
        return complete(instruction, input, null);
    }

    private String complete(String instruction, String input, @Nullable ResponseFormat format) {
        AiClient.ChatCompletion completion = client.complete(new ChatRequest(model, List.of(
                new ChatMessage("system", instruction),
                new ChatMessage("user", input.length() > MAX_TEXT ? input.substring(0, MAX_TEXT) : input)), 0, format));
        String content = completion == null ? null : completion.content();
        if (content == null || content.isBlank()) {
            throw new ProviderRefusal(ProviderRefusal.Kind.INVALID_ANSWER, "model_answer_empty");
        }
        return content;
    }

    private static String text(@Nullable String subject, @Nullable String body) {
        return (subject == null ? "" : "Subject: " + subject + "\n") + (body == null ? "" : body);
    }

    private static @Nullable String string(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isString() && !v.getStringValue().isBlank() ? v.getStringValue() : null;
    }

    private static double clamp(double v) {
        return Math.max(0, Math.min(1, v));
    }
}
