package dev.ballast.webhook.workspace;

import dev.ballast.resilience.api.BearerTokenGuard;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.webhook.intake.Provider;
import dev.ballast.webhook.workspace.WorkspaceApi.CreatedWorkspace;
import dev.ballast.webhook.workspace.WorkspaceApi.CredentialView;
import dev.ballast.webhook.workspace.WorkspaceApi.RotatedIntakeToken;
import dev.ballast.webhook.workspace.WorkspaceApi.RotatedSigningSecret;
import dev.ballast.webhook.workspace.WorkspaceApi.WorkspaceView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import dev.ballast.resilience.db.DbRetry;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/** Creates workspaces and manages their credentials and accepted provider accounts. */
@Singleton
public final class WorkspaceAdministration {

    private static final Logger LOG = LoggerFactory.getLogger(WorkspaceAdministration.class);
    private static final int MAX_PROVIDER_ID_LENGTH = 200;

    private final TransactionOperations<Connection> tx;
    private final DbRetry retry;
    private final WorkspaceRepository workspaces;
    private final WebhookCredentialRepository credentials;
    private final ProviderAccountRepository accounts;
    private final SigningSecretCipher cipher;
    private final WorkspaceSettings settings;

    WorkspaceAdministration(TransactionOperations<Connection> tx, DbRetry retry, WorkspaceRepository workspaces,
                            WebhookCredentialRepository credentials, ProviderAccountRepository accounts,
                            SigningSecretCipher cipher, WorkspaceSettings settings) {
        this.tx = tx;
        this.retry = retry;
        this.workspaces = workspaces;
        this.credentials = credentials;
        this.accounts = accounts;
        this.cipher = cipher;
        this.settings = settings;
    }

    public CreatedWorkspace create(String name, @Nullable Map<String, List<String>> providerWorkspaceIds,
                                   @Nullable String importedSecret) {
        requireCipher();
        Map<Provider, TreeSet<String>> ids = normalise(providerWorkspaceIds);
        byte[] secret = importedSecret == null ? WebhookSecrets.newSigningSecret() : parseImported(importedSecret);
        String token = WebhookSecrets.newIntakeToken();
        UUID id = UUID.randomUUID();
        WorkspaceView view = retry.transaction("workspace-create", tx, TransactionDefinition.DEFAULT, status -> {
            workspaces.insert(id, name.strip());
            replaceAccounts(id, ids);
            credentials.insertSigningSecret(id, cipher.encrypt(id, secret));
            credentials.insertIntakeToken(id, BearerTokenGuard.sha256(token));
            return load(id);
        });
        LOG.info("workspace created id={} provider_accounts={}", id, view.providerWorkspaceIds());
        return new CreatedWorkspace(view, WebhookSecrets.formatSigningSecret(secret), token);
    }

    public WorkspaceView view(UUID id) {
        return retry.transaction("workspace-view", tx, TransactionDefinition.READ_ONLY, status -> load(id));
    }

    public RotatedSigningSecret rotateSigningSecret(UUID id, @Nullable Long graceSeconds, @Nullable String imported) {
        requireCipher();
        byte[] secret = imported == null ? WebhookSecrets.newSigningSecret() : parseImported(imported);
        double grace = grace(graceSeconds);
        WorkspaceView view = retry.transaction("workspace-rotate-secret", tx, TransactionDefinition.DEFAULT, status -> {
            requireWorkspace(id);
            credentials.retireLive(id, WebhookCredential.SIGNING_SECRET, grace);
            credentials.insertSigningSecret(id, cipher.encrypt(id, secret));
            return load(id);
        });
        LOG.info("signing secret rotated workspace={} grace_s={}", id, grace);
        return new RotatedSigningSecret(WebhookSecrets.formatSigningSecret(secret), view);
    }

    public RotatedIntakeToken rotateIntakeToken(UUID id, @Nullable Long graceSeconds) {
        String token = WebhookSecrets.newIntakeToken();
        double grace = grace(graceSeconds);
        WorkspaceView view = retry.transaction("workspace-rotate-token", tx, TransactionDefinition.DEFAULT, status -> {
            requireWorkspace(id);
            credentials.retireLive(id, WebhookCredential.INTAKE_TOKEN, grace);
            credentials.insertIntakeToken(id, BearerTokenGuard.sha256(token));
            return load(id);
        });
        LOG.info("intake token rotated workspace={} grace_s={}", id, grace);
        return new RotatedIntakeToken(token, view);
    }

    public WorkspaceView setProviderWorkspaceIds(UUID id, @Nullable Map<String, List<String>> providerWorkspaceIds) {
        Map<Provider, TreeSet<String>> ids = normalise(providerWorkspaceIds);
        WorkspaceView view = retry.transaction("workspace-provider-accounts", tx, TransactionDefinition.DEFAULT, status -> {
            requireWorkspace(id);
            accounts.deleteAll(id);
            replaceAccounts(id, ids);
            return load(id);
        });
        LOG.info("provider accounts set workspace={} provider_accounts={}", id, view.providerWorkspaceIds());
        return view;
    }

    public WorkspaceView setStatus(UUID id, String status) {
        WorkspaceView view = retry.transaction("workspace-status", tx, TransactionDefinition.DEFAULT, s -> {
            if (workspaces.setStatus(id, status) == 0) {
                throw ProblemException.notFound("workspace " + id);
            }
            return load(id);
        });
        LOG.info("workspace status workspace={} status={}", id, status);
        return view;
    }

    private void replaceAccounts(UUID id, Map<Provider, TreeSet<String>> ids) {
        ids.forEach((provider, values) -> values.forEach(v -> accounts.insert(id, provider.key(), v)));
    }

    private void requireWorkspace(UUID id) {
        if (workspaces.find(id).isEmpty()) {
            throw ProblemException.notFound("workspace " + id);
        }
    }

    private WorkspaceView load(UUID id) {
        Workspace w = workspaces.find(id).orElseThrow(() -> ProblemException.notFound("workspace " + id));
        Map<String, List<String>> ids = new TreeMap<>();
        for (Provider p : Provider.values()) {
            ids.put(p.key(), new ArrayList<>());
        }
        for (ProviderAccount a : accounts.findAll(id)) {
            ids.computeIfAbsent(a.provider(), k -> new ArrayList<>()).add(a.providerWorkspaceId());
        }
        List<CredentialView> secrets = new ArrayList<>();
        List<CredentialView> tokens = new ArrayList<>();
        for (WebhookCredential c : credentials.findLive(id)) {
            (c.signingSecret() ? secrets : tokens).add(new CredentialView(c.id(), c.createdAt(), c.validUntil()));
        }
        return new WorkspaceView(w.id(), w.name(), w.status(), ids, secrets, tokens, w.createdAt(), w.updatedAt());
    }

    private double grace(@Nullable Long graceSeconds) {
        return graceSeconds == null ? settings.rotationGrace().toMillis() / 1000.0 : graceSeconds;
    }

    private void requireCipher() {
        if (!cipher.available()) {
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "secret_key_missing",
                    "signing secrets cannot be stored: WEBHOOK_SECRET_KEY is not set");
        }
    }

    private static byte[] parseImported(String secret) {
        try {
            return WebhookSecrets.parseSigningSecret(secret);
        } catch (IllegalArgumentException e) {
            throw new ProblemException(ProblemException.badRequest("invalid_signing_secret", e.getMessage())
                    .problem().withPointer("/signingSecret"));
        }
    }

    private static Map<Provider, TreeSet<String>> normalise(@Nullable Map<String, List<String>> raw) {
        Map<Provider, TreeSet<String>> out = new TreeMap<>();
        if (raw == null) {
            return out;
        }
        for (Map.Entry<String, List<String>> e : raw.entrySet()) {
            Provider provider = Provider.byKey(e.getKey()).orElseThrow(() -> new ProblemException(
                    ProblemException.badRequest("unknown_provider", "unknown provider '" + e.getKey()
                            + "', expected one of emailbison, ghl").problem()
                            .withPointer("/providerWorkspaceIds/" + e.getKey())));
            TreeSet<String> values = out.computeIfAbsent(provider, p -> new TreeSet<>());
            List<String> list = e.getValue() == null ? List.of() : e.getValue();
            for (int i = 0; i < list.size(); i++) {
                String v = list.get(i) == null ? "" : list.get(i).strip();
                if (v.isEmpty() || v.length() > MAX_PROVIDER_ID_LENGTH) {
                    throw new ProblemException(ProblemException.badRequest("invalid_provider_workspace_id",
                                    "provider workspace ids are 1 to " + MAX_PROVIDER_ID_LENGTH + " characters")
                            .problem().withPointer("/providerWorkspaceIds/" + provider.key() + "/" + i));
                }
                values.add(v);
            }
        }
        return out;
    }
}
