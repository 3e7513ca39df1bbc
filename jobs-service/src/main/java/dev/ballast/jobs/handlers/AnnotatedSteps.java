package dev.ballast.jobs.handlers;

import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.webhook.api.WebhookOperations;
import dev.ballast.webhook.api.WebhookOperations.AnnotationsWritten;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * One job's steps on one stored message. Each step's result is written back as the message's annotation of that
 * kind, so a retried job keeps what is done (status {@code kept}) and asks no provider again. The annotations are
 * written together, in one call when the steps end or fail ({@link #writingAfter}) and before any step that must
 * find them stored ({@link #flush}, e.g. before sending a message).
 *
 * <p>A required step that fails permanently ends the job dead; any other failure of it is rethrown for the queue to
 * retry. An optional step that fails or is skipped leaves an annotation saying so ({@code status}, {@code reason},
 * {@code retryable}) and the job goes on.
 */
final class AnnotatedSteps {

    static final String KEPT = "kept";
    static final String DONE = "done";

    private final WebhookOperations webhook;
    private final JsonMapper json;
    private final long messageId;
    private final String workspace;
    private final Map<String, JsonNode> annotations;
    private final Map<String, String> statuses = new LinkedHashMap<>();
    private final Map<String, JsonNode> pending = new LinkedHashMap<>();

    AnnotatedSteps(WebhookOperations webhook, JsonMapper json, long messageId, String workspace,
                   Map<String, JsonNode> annotations) {
        this.webhook = webhook;
        this.json = json;
        this.messageId = messageId;
        this.workspace = workspace;
        this.annotations = new LinkedHashMap<>(annotations);
    }

    /** A step the rest of the job needs: a permanent failure (or a 404 answer) ends the job dead. */
    <T> JsonNode required(String kind, Supplier<@Nullable T> call, Function<T, JsonNode> toAnnotation) {
        JsonNode existing = kept(kind);
        if (existing != null) {
            return existing;
        }
        return write(kind, toAnnotation.apply(IntegrationFailure.required(kind, call)), DONE);
    }

    /** A step the outcome can do without: whatever keeps it from succeeding is annotated and the job goes on. */
    <T> @Nullable JsonNode optional(String kind, Supplier<@Nullable T> call, Function<T, JsonNode> toAnnotation) {
        return bestEffort(kind, call, toAnnotation, false);
    }

    /**
     * A step worth retrying the job for while a retry can help (integrations-service down, provider 5xx); when it
     * cannot (refused, disconnected) its annotation says so and the job goes on.
     */
    <T> @Nullable JsonNode attempt(String kind, Supplier<@Nullable T> call, Function<T, JsonNode> toAnnotation) {
        return bestEffort(kind, call, toAnnotation, true);
    }

    private <T> @Nullable JsonNode bestEffort(String kind, Supplier<@Nullable T> call, Function<T, JsonNode> toAnnotation,
                                              boolean retryTransient) {
        JsonNode existing = kept(kind);
        if (existing != null) {
            return existing;
        }
        IntegrationFailure failure;
        try {
            T answer = call.get();
            if (answer != null) {
                return write(kind, toAnnotation.apply(answer), DONE);
            }
            failure = IntegrationFailure.notFound();
        } catch (RuntimeException e) {
            failure = IntegrationFailure.of(e).orElseThrow(() -> e);
            if (retryTransient && !failure.permanent()) {
                throw e;
            }
        }
        write(kind, failure.annotation(), failure.outcome());
        return null;
    }

    /** A step that calls nobody (a decision, a record): its value is written as it is. */
    JsonNode record(String kind, Supplier<JsonNode> value) {
        JsonNode existing = kept(kind);
        return existing != null ? existing : write(kind, value.get(), DONE);
    }

    boolean has(String kind) {
        return annotations.containsKey(kind);
    }

    /** What each step did in this run: kept, done, skipped or failed. */
    JsonNode statuses() {
        Map<String, JsonNode> out = new LinkedHashMap<>();
        statuses.forEach((kind, status) -> out.put(kind, JsonNode.createStringNode(status)));
        return JsonNode.createObjectNode(out);
    }

    private @Nullable JsonNode kept(String kind) {
        JsonNode existing = annotations.get(kind);
        if (existing != null) {
            statuses.put(kind, KEPT);
        }
        return existing;
    }

    /** Notes a step's annotation; {@link #flush} writes it. */
    private JsonNode write(String kind, JsonNode value, String status) {
        pending.put(kind, value);
        annotations.put(kind, value);
        statuses.put(kind, status);
        return value;
    }

    /**
     * Runs a job's steps and writes their annotations in one call at the end; when a step fails, what the steps
     * before it did is written before the failure goes on to the queue, so the retry keeps it.
     */
    <T> T writingAfter(Supplier<T> steps) {
        T result;
        try {
            result = steps.get();
        } catch (RuntimeException failure) {
            try {
                flush();
            } catch (RuntimeException alsoFailed) {
                failure.addSuppressed(alsoFailed);
            }
            throw failure;
        }
        flush();
        return result;
    }

    /** Writes the annotations noted since the last flush, in one call to webhook-service. */
    void flush() {
        if (pending.isEmpty()) {
            return;
        }
        byte[] encoded = encode(JsonNode.createObjectNode(pending));
        String kinds = String.join(",", pending.keySet());
        AnnotationsWritten written = webhookCall("annotate " + kinds,
                () -> webhook.annotateAll(messageId, workspace, encoded));
        if (written == null) {
            throw new PermanentJobFailure("message " + messageId + " not found when writing " + kinds);
        }
        pending.clear();
    }

    private byte[] encode(JsonNode value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A call to webhook-service: any 4xx but 408/429 is permanent (the job goes dead), the rest is rethrown. */
    static <T> T webhookCall(String what, Supplier<T> call) {
        try {
            return call.get();
        } catch (HttpClientResponseException e) {
            int code = e.code();
            if (code >= 400 && code < 500 && code != 408 && code != 429) {
                throw new PermanentJobFailure(what + " refused with HTTP " + code, e);
            }
            throw e;
        }
    }
}
