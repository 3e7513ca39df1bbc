package dev.ballast.jobs.handlers;

import dev.ballast.integrations.api.IntegrationOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import dev.ballast.resilience.http.CallAbortedException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.tree.JsonNode;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Why a call to integrations-service did not succeed, as that service said it (the {@link IntegrationOutcome} members
 * of its problem answer) or as the transport failed: skipped or failed, why, and whether a retry can help.
 *
 * @param outcome    {@link IntegrationOutcome#SKIPPED} (no provider call) or {@link IntegrationOutcome#FAILED}
 * @param reason     a short machine-readable why (disconnected, breaker_open, http_404, timeout, ...)
 * @param permanent  true when the same request will never succeed (4xx but 408/429, or retryable=false)
 * @param abortClass the abort class integrations-service gave, if any
 */
record IntegrationFailure(String outcome, String reason, boolean permanent, @Nullable String abortClass) {

    /** The failure an integrations call ended with, or empty when {@code e} is not one (a bug: let it propagate). */
    static Optional<IntegrationFailure> of(RuntimeException e) {
        if (e instanceof HttpClientResponseException r) {
            int code = r.code();
            Map<String, JsonNode> members = problemMembers(r);
            boolean permanent = code >= 400 && code < 500 && code != 408 && code != 429;
            JsonNode retryable = members.get(IntegrationOutcome.RETRYABLE);
            if (retryable != null && retryable.isBoolean()) {
                permanent = !retryable.getBooleanValue();
            }
            String outcome = text(members.get(IntegrationOutcome.OUTCOME), IntegrationOutcome.FAILED);
            String reason = text(members.get(IntegrationOutcome.REASON), "http_" + code);
            return Optional.of(new IntegrationFailure(outcome, reason, permanent,
                    text(members.get(IntegrationOutcome.ABORT_CLASS), null)));
        }
        if (e instanceof CallAbortedException a) {
            return Optional.of(new IntegrationFailure(IntegrationOutcome.FAILED, "aborted", false,
                    a.abortClass().name()));
        }
        if (e instanceof HttpClientException) {
            return Optional.of(new IntegrationFailure(IntegrationOutcome.FAILED, "unreachable", false, null));
        }
        if (e instanceof CallNotPermittedException) {
            // this service's own client breaker toward integrations-service
            return Optional.of(new IntegrationFailure(IntegrationOutcome.SKIPPED, IntegrationOutcome.BREAKER_OPEN,
                    false, null));
        }
        return Optional.empty();
    }

    /**
     * The answer of a call the job cannot do without: a permanent failure, or a 404 (a declarative client's null), ends
     * the job dead naming {@code step}; anything else is rethrown for the queue to retry.
     */
    static <T> T required(String step, Supplier<@Nullable T> call) {
        T answer;
        try {
            answer = call.get();
        } catch (RuntimeException e) {
            IntegrationFailure failure = of(e).orElse(null);
            if (failure != null && failure.permanent()) {
                throw new PermanentJobFailure(step + " " + failure.describe(), e);
            }
            throw e;
        }
        if (answer == null) {
            throw new PermanentJobFailure(step + " " + notFound().describe());
        }
        return answer;
    }

    /** A declarative client answers a 404 with no body as null: the operation is not there, which never heals. */
    static IntegrationFailure notFound() {
        return new IntegrationFailure(IntegrationOutcome.FAILED, "http_404", true, null);
    }

    /** The annotation an optional step leaves when it did not run to success. */
    JsonNode annotation() {
        Map<String, JsonNode> v = new LinkedHashMap<>();
        v.put("status", JsonNode.createStringNode(outcome));
        v.put("reason", JsonNode.createStringNode(reason));
        v.put("retryable", JsonNode.createBooleanNode(!permanent));
        if (abortClass != null) {
            v.put("abortClass", JsonNode.createStringNode(abortClass));
        }
        return JsonNode.createObjectNode(v);
    }

    String describe() {
        return outcome + " (" + reason + (abortClass == null ? "" : ", " + abortClass) + ")";
    }

    private static Map<String, JsonNode> problemMembers(HttpClientResponseException e) {
        try {
            Optional<JsonNode> body = e.getResponse().getBody(JsonNode.class);
            Map<String, JsonNode> out = new LinkedHashMap<>();
            if (body.isPresent() && body.get().isObject()) {
                body.get().entries().forEach(entry -> out.put(entry.getKey(), entry.getValue()));
            }
            return out;
        } catch (RuntimeException unreadable) {
            return Map.of();
        }
    }

    private static @Nullable String text(@Nullable JsonNode node, @Nullable String fallback) {
        return node != null && node.isString() && !node.getStringValue().isBlank() ? node.getStringValue() : fallback;
    }
}
