package dev.ballast.integrations.calls;

import dev.ballast.integrations.api.IntegrationOutcome;
import dev.ballast.integrations.health.Observation;
import dev.ballast.integrations.providers.Provider;
import dev.ballast.integrations.providers.ProviderRefusal;
import dev.ballast.resilience.http.AbortClass;
import dev.ballast.resilience.http.AbortClassifier;
import dev.ballast.resilience.http.CallAbortedException;
import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpHeaders;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.regex.Pattern;

/**
 * Sorts the way a provider call ended into a {@link Verdict}, so that callers act on the status alone (2xx; 409/422
 * permanent; 503 + Retry-After retryable) and never parse a provider's error. A send whose request may have reached
 * the provider (timeout, reset, 500/502/504) is answered 409 "outcome unknown" and never sent again.
 */
final class FailureClassifier {

    /** Unipile's and Slack's error codes: short lower-case identifiers, safe to store. */
    private static final Pattern CODE = Pattern.compile("[a-z][a-z0-9_./-]{1,60}");

    private final JsonMapper json;
    private final int defaultRetryAfterSeconds;

    FailureClassifier(JsonMapper json, int defaultRetryAfterSeconds) {
        this.json = json;
        this.defaultRetryAfterSeconds = defaultRetryAfterSeconds;
    }

    /** {@code sideEffectFree}: whether repeating the call cannot act twice (see {@link Operation#sideEffectFree()}). */
    Verdict classify(Provider target, boolean sideEffectFree, Throwable failure, int breakerWaitSeconds) {
        Throwable error = unwrap(failure);
        String provider = target.id();
        if (error instanceof CallNotPermittedException) {
            return new Verdict(IntegrationOutcome.SKIPPED, IntegrationOutcome.BREAKER_OPEN, null, true, 503,
                    breakerWaitSeconds, true, null, provider + " is failing for this workspace; not called");
        }
        if (error instanceof ProviderRefusal r) {
            return switch (r.kind()) {
                case DISCONNECTED -> disconnected(provider, r.code());
                case RATE_LIMITED -> rateLimited(provider, r.code(), null);
                case REJECTED -> rejected(provider, r.code());
                case INVALID_ANSWER -> sideEffectFree
                        ? retryable("invalid_answer", "INVALID_ANSWER", null, provider + " answered something unusable")
                        : unknown(provider, "INVALID_ANSWER", null);
            };
        }
        if (error instanceof HttpClientResponseException e) {
            int code = e.code();
            String providerCode = providerCode(e);
            if (code == 401) {
                return disconnected(provider, providerCode == null ? "http_401" : providerCode);
            }
            if (code == 429) {
                return rateLimited(provider, providerCode == null ? "http_429" : providerCode,
                        e.getResponse().getHeaders().get(HttpHeaders.RETRY_AFTER));
            }
            if (code == 503) {
                return retryable("provider_unavailable", "PROVIDER_UNAVAILABLE", transientObs("http_503", provider),
                        provider + " is unavailable");
            }
            if (code == 408 || code >= 500) {
                Observation o = transientObs("http_" + code, provider);
                return sideEffectFree
                        ? retryable("provider_error", "PROVIDER_ERROR", o, provider + " answered HTTP " + code)
                        : unknown(provider, "PROVIDER_ERROR", o);
            }
            return rejected(provider, providerCode == null ? "http_" + code : providerCode);
        }
        AbortClass c = error instanceof CallAbortedException a ? a.abortClass() : AbortClassifier.classify(error);
        if (c == null) {
            return sideEffectFree
                    ? retryable("unclassified", "UNCLASSIFIED", null, provider + " call failed")
                    : unknown(provider, "UNCLASSIFIED", null);
        }
        return switch (c) {
            case CONNECT_FAILED -> retryable("provider_unreachable", c.name(), transientObs(c.tag(), provider),
                    provider + " could not be reached");
            case TIMEOUT, CONNECTION_RESET -> sideEffectFree
                    ? retryable("provider_" + c.tag(), c.name(), transientObs(c.tag(), provider), provider + " " + c.tag())
                    : unknown(provider, c.name(), transientObs(c.tag(), provider));
            case CALLER_CANCELLED, SHUTDOWN -> sideEffectFree
                    ? retryable(c.tag(), c.name(), null, "the call was abandoned (" + c.tag() + ")")
                    : unknown(provider, c.name(), null);
        };
    }

    private Verdict disconnected(String provider, String code) {
        // the provider refused the credentials and acted on nothing: the key stays free for after they are fixed
        return new Verdict(IntegrationOutcome.FAILED, IntegrationOutcome.DISCONNECTED, "UNAUTHORIZED", false, 409, null,
                true, new Observation.Disconnected(code, provider + " refused the credentials (" + code + ")"),
                provider + " refused the workspace's credentials; update them");
    }

    private Verdict rateLimited(String provider, String code, @Nullable String retryAfter) {
        return new Verdict(IntegrationOutcome.FAILED, "rate_limited", "RATE_LIMITED", true, 503,
                retryAfterSeconds(retryAfter), true, new Observation.Transient(code, provider + " rate limited the call"),
                provider + " rate limited the call");
    }

    private static Verdict rejected(String provider, String code) {
        return new Verdict(IntegrationOutcome.FAILED, "provider_rejected", "PROVIDER_REJECTED", false, 422, null, false,
                null, provider + " refused the request (" + code + ")");
    }

    private Verdict retryable(String reason, String abortClass, @Nullable Observation health, String detail) {
        return new Verdict(IntegrationOutcome.FAILED, reason, abortClass, true, 503, defaultRetryAfterSeconds, true,
                health, detail);
    }

    /** A send that may or may not have happened: answered as final, never sent again under this key. */
    private static Verdict unknown(String provider, String abortClass, @Nullable Observation health) {
        return new Verdict(IntegrationOutcome.FAILED, IntegrationOutcome.OUTCOME_UNKNOWN, abortClass, false, 409, null, false, health,
                provider + " may have received the request (" + abortClass
                        + "); it is not sent again");
    }

    private static Observation transientObs(String code, String provider) {
        return new Observation.Transient(code, provider + " call failed (" + code + ")");
    }

    private int retryAfterSeconds(@Nullable String header) {
        if (header != null) {
            try {
                long s = Long.parseLong(header.strip());
                if (s >= 0) {
                    return (int) Math.min(s, 3600);
                }
            } catch (NumberFormatException e) {
                // an HTTP date or garbage: the default below
            }
        }
        return defaultRetryAfterSeconds;
    }

    /** Unipile's {@code type}, Slack's {@code error} or a {@code code} member of the error body, if it is a code. */
    private @Nullable String providerCode(HttpClientResponseException e) {
        String body;
        try {
            body = e.getResponse().getBody(String.class).orElse(null);
        } catch (RuntimeException ignored) {
            body = null;
        }
        if (body == null || body.isBlank() || body.length() > 65536) {
            return null;
        }
        try {
            JsonNode node = json.readValue(body, JsonNode.class);
            if (node == null || !node.isObject()) {
                return null;
            }
            for (String field : new String[]{"type", "error", "code"}) {
                JsonNode v = node.get(field);
                if (v != null && v.isString() && CODE.matcher(v.getStringValue()).matches()) {
                    return v.getStringValue();
                }
            }
        } catch (IOException | RuntimeException ignored) {
            // not JSON
        }
        return null;
    }

    private static Throwable unwrap(Throwable t) {
        Throwable e = t;
        while ((e instanceof CompletionException || e instanceof ExecutionException) && e.getCause() != null) {
            e = e.getCause();
        }
        return e;
    }
}
