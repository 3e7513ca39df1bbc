package dev.ballast.integrations.calls;

import dev.ballast.integrations.answers.StoredAnswer;
import dev.ballast.integrations.answers.StoredAnswers;
import dev.ballast.integrations.api.IntegrationOutcome;
import dev.ballast.integrations.credentials.CredentialStore;
import dev.ballast.integrations.health.DisconnectAlerts;
import dev.ballast.integrations.health.HealthStore;
import dev.ballast.integrations.health.Observation;
import dev.ballast.integrations.providers.Provider;
import dev.ballast.integrations.providers.ProviderAccess;
import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.api.RequestValues;
import dev.ballast.resilience.http.ClientPolicies;
import dev.ballast.resilience.http.WorkspaceScope;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.propagation.PropagatedContext;
import io.micronaut.http.HttpStatus;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import java.util.function.Function;

/**
 * The one way a provider is called: authenticate the workspace's request, claim its Idempotency-Key (or answer
 * from the store), skip a disconnected integration, call the provider under the workspace's breaker and credentials,
 * store the answer, and feed the integration's health. Every third-party call of the service goes through here.
 */
@Singleton
public final class ProviderCalls {

    private static final Logger LOG = LoggerFactory.getLogger(ProviderCalls.class);
    private static final int MAX_KEY = 255;
    /** A success this soon after the last one leaves the health row alone: one write less per call. */
    private static final Duration SUCCESS_REFRESH = Duration.ofMinutes(1);

    private final StoredAnswers answers;
    private final CredentialStore credentials;
    private final HealthStore health;
    private final DisconnectAlerts alerts;
    private final ClientPolicies policies;
    private final JsonMapper json;
    private final FailureClassifier classifier;

    ProviderCalls(StoredAnswers answers, CredentialStore credentials, HealthStore health, DisconnectAlerts alerts,
                  ClientPolicies policies, JsonMapper json,
                  @Value("${ballast.integrations.retry-after:5s}") Duration retryAfter) {
        this.answers = answers;
        this.credentials = credentials;
        this.health = health;
        this.alerts = alerts;
        this.policies = policies;
        this.json = json;
        this.classifier = new FailureClassifier(json, (int) Math.max(1, retryAfter.toSeconds()));
    }

    /**
     * Runs a POST operation under its Idempotency-Key.
     *
     * @param workspaceHeader the {@code X-Workspace-Id} the caller sent
     * @param bodyWorkspace   the workspace the body names; it must be the header's
     * @param request         the body, whose hash binds the key
     * @param call            the provider call, made with the workspace's credentials
     */
    public <T> T run(Operation op, @Nullable String workspaceHeader, @Nullable String key,
                     @Nullable UUID bodyWorkspace, Object request, Class<T> answerType,
                     Function<ProviderAccess, T> call) {
        UUID workspace = workspace(workspaceHeader, bodyWorkspace);
        String k = key == null ? "" : key.strip();
        if (k.isEmpty() || k.length() > MAX_KEY) {
            throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid_idempotency_key",
                    "Idempotency-Key is required (1 to " + MAX_KEY + " characters)");
        }
        byte[] hash = BearerTokenGuard.sha256(encode(request));
        try {
            StoredAnswers.Claim claim = answers.claim(workspace, op.storedAs(), k, hash, op.provider());
            if (claim instanceof StoredAnswers.Claim.Answered answered) {
                return replay(answered.answer(), answerType);
            }
            StoredAnswers.Claim.Claimed claimed = (StoredAnswers.Claim.Claimed) claim;
            UUID token = claimed.token();
            Attempted<T> result;
            try {
                result = attempt(op, workspace, credentials.open(workspace, op.provider(), claimed.credentials()), call);
            } catch (RuntimeException e) {
                // nothing reached the provider (credentials that cannot be decrypted, a request refused before the
                // call): the key stays free
                answers.release(workspace, op.storedAs(), k, token);
                throw e;
            }
            if (result.skipped() != null) {
                answers.release(workspace, op.storedAs(), k, token);
                throw result.skipped();
            }
            StoredAnswer stored = result.answer();
            try {
                answers.finish(workspace, op.storedAs(), k, token, stored);
            } catch (RuntimeException | SQLException e) {
                // the provider's answer is given anyway; the key answers 409 until its row expires
                LOG.warn("{} answer for workspace {} not stored: {}", op.storedAs(), workspace, e.getClass().getSimpleName());
            }
            return answerOf(result, answerType);
        } catch (SQLException e) {
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "db_error", "the database refused the request");
        }
    }

    /** Runs a read: no key, nothing stored, retried as GETs are. */
    public <T> T read(Operation op, @Nullable String workspaceHeader, Class<T> answerType,
                      Function<ProviderAccess, T> call) {
        UUID workspace = workspace(workspaceHeader, null);
        try {
            Attempted<T> result = attempt(op, workspace, credentials.lookup(workspace, op.provider()), call);
            if (result.skipped() != null) {
                throw result.skipped();
            }
            return answerOf(result, answerType);
        } catch (SQLException e) {
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "db_error", "the database refused the request");
        }
    }

    /**
     * A health check of (workspace, provider) through the same breaker and credentials: its observation is recorded
     * (a disconnect raises the alert) and returned; null when the integration has no credentials.
     */
    public @Nullable Observation check(UUID workspace, Provider provider, java.util.function.Consumer<ProviderAccess> probe)
            throws SQLException {
        CredentialStore.Lookup lookup = credentials.lookup(workspace, provider);
        if (lookup.access() == null) {
            return null;
        }
        Observation observation;
        try (PropagatedContext.Scope ignored = scope(workspace, lookup.access())) {
            probe.accept(lookup.access());
            observation = Observation.CONNECTED;
        } catch (RuntimeException e) {
            Verdict v = classifier.classify(provider, true, e, breakerWaitSeconds(provider));
            observation = v.health() != null ? v.health()
                    : new Observation.Transient(v.abortClass() == null ? v.reason() : v.abortClass().toLowerCase(),
                    provider.id() + " check failed (" + v.reason() + ")");
        }
        observe(workspace, provider, observation);
        return observation;
    }

    private <T> Attempted<T> attempt(Operation op, UUID workspace, CredentialStore.Lookup lookup,
                                     Function<ProviderAccess, T> call) {
        Provider provider = op.provider();
        if (lookup.access() == null) {
            return Attempted.skipped(skip(op, IntegrationOutcome.NOT_CONFIGURED,
                    provider.id() + " is not configured for this workspace", 409, null));
        }
        if ("DISCONNECTED".equals(lookup.status())) {
            return Attempted.skipped(skip(op, IntegrationOutcome.DISCONNECTED,
                    provider.id() + " is disconnected for this workspace; update its credentials", 409, null));
        }
        T value;
        try (PropagatedContext.Scope ignored = scope(workspace, lookup.access())) {
            value = call.apply(lookup.access());
        } catch (ProblemException e) {
            // refused before the provider was called (the request lacks something the provider needs)
            throw e;
        } catch (RuntimeException e) {
            Verdict v = classifier.classify(provider, op.sideEffectFree(), e, breakerWaitSeconds(provider));
            if (v.health() != null) {
                observe(workspace, provider, v.health());
            }
            log(op, workspace, v, e);
            return Attempted.failed(v, problem(op, v));
        }
        if (!"CONNECTED".equals(lookup.status()) || lookup.consecutiveFailures() > 0 || lookup.lastSuccessAt() == null
                || lookup.lastSuccessAt().isBefore(Instant.now().minus(SUCCESS_REFRESH))) {
            observe(workspace, provider, Observation.CONNECTED);
        }
        return Attempted.succeeded(value, new StoredAnswer(200, encodeString(value), "success", null, null, false));
    }

    private void observe(UUID workspace, Provider provider, Observation observation) {
        try {
            health.record(workspace, provider, observation);
        } catch (RuntimeException | SQLException e) {
            LOG.warn("health of {} for workspace {} not recorded: {}", provider.id(), workspace, e.getClass().getSimpleName());
        }
        if (observation instanceof Observation.Disconnected d) {
            alerts.disconnected(workspace, provider, d.code());
        }
    }

    private PropagatedContext.Scope scope(UUID workspace, ProviderAccess access) {
        return PropagatedContext.getOrEmpty().plus(WorkspaceScope.of(workspace.toString())).plus(access).propagate();
    }

    private OperationFailure skip(Operation op, String reason, String detail, int status, @Nullable Integer retryAfter) {
        Verdict v = new Verdict(IntegrationOutcome.SKIPPED, reason, null, status == 503, status, retryAfter, true, null,
                detail);
        return new OperationFailure(status, encodeString(problemOf(op, v)), retryAfter);
    }

    private StoredAnswer problem(Operation op, Verdict v) {
        return new StoredAnswer(v.status(), encodeString(problemOf(op, v)), v.outcome(), v.abortClass(),
                v.retryAfterSeconds(), v.reusable());
    }

    private static ProblemDetails problemOf(Operation op, Verdict v) {
        ProblemDetails p = ProblemDetails.of(HttpStatus.valueOf(v.status()), v.reason(), v.detail())
                .with(IntegrationOutcome.OUTCOME, v.outcome())
                .with(IntegrationOutcome.RETRYABLE, v.retryable())
                .with(IntegrationOutcome.PROVIDER, op.provider().id());
        return v.abortClass() == null ? p : p.with(IntegrationOutcome.ABORT_CLASS, v.abortClass());
    }

    private <T> T answerOf(Attempted<T> result, Class<T> type) {
        if (result.value() != null || result.answer().status() == 200) {
            return result.value();
        }
        StoredAnswer a = result.answer();
        throw new OperationFailure(a.status(), a.body(), a.retryAfterSeconds());
    }

    private <T> T replay(StoredAnswer answer, Class<T> type) {
        if (answer.status() >= 200 && answer.status() < 300) {
            try {
                return json.readValue(answer.body(), type);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new OperationFailure(answer.status(), answer.body(), answer.retryAfterSeconds());
    }

    private void log(Operation op, UUID workspace, Verdict v, RuntimeException e) {
        if ("UNCLASSIFIED".equals(v.abortClass())) {
            // the class only: a message may quote the provider
            LOG.warn("{} workspace={} failed with an unclassified {}", op.storedAs(), workspace, e.getClass().getName());
        }
        if (v.retryable() || IntegrationOutcome.OUTCOME_UNKNOWN.equals(v.reason()) || IntegrationOutcome.DISCONNECTED.equals(v.reason())) {
            LOG.warn("{} workspace={} {} reason={} abort={} retryable={}", op.storedAs(), workspace, v.outcome(),
                    v.reason(), v.abortClass(), v.retryable());
        } else {
            LOG.info("{} workspace={} {} reason={} abort={}", op.storedAs(), workspace, v.outcome(), v.reason(),
                    v.abortClass());
        }
    }

    private int breakerWaitSeconds(Provider provider) {
        return policies.forClient(provider.id())
                .map(p -> (int) Math.max(1, p.settings().breaker().waitDurationInOpenState().toSeconds()))
                .orElse(30);
    }

    private static UUID workspace(@Nullable String header, @Nullable UUID bodyWorkspace) {
        UUID workspace = RequestValues.workspaceId(header);
        if (workspace == null) {
            throw RequestValues.invalidWorkspaceId();
        }
        if (bodyWorkspace != null && !bodyWorkspace.equals(workspace)) {
            throw new ProblemException(HttpStatus.UNPROCESSABLE_ENTITY, "workspace_mismatch",
                    "the body's workspaceId is not the X-Workspace-Id workspace");
        }
        return workspace;
    }

    private byte[] encode(Object value) {
        try {
            return json.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String encodeString(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** One attempt: a value, a failure's stored answer, or a skip that stores nothing. */
    private record Attempted<T>(@Nullable T value, @Nullable StoredAnswer answer, @Nullable OperationFailure skipped) {
        static <T> Attempted<T> succeeded(T value, StoredAnswer answer) {
            return new Attempted<>(value, answer, null);
        }

        static <T> Attempted<T> failed(Verdict v, StoredAnswer answer) {
            return new Attempted<>(null, answer, null);
        }

        static <T> Attempted<T> skipped(OperationFailure skip) {
            return new Attempted<>(null, null, skip);
        }
    }
}
