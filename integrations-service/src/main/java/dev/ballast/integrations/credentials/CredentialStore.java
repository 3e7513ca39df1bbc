package dev.ballast.integrations.credentials;

import dev.ballast.integrations.providers.Provider;
import dev.ballast.integrations.providers.ProviderAccess;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.resilience.db.DbRetry;
import dev.ballast.resilience.secrets.AesGcmCipher;
import io.micronaut.context.annotation.Value;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.jdbc.DataSourceResolver;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.sql.DataSource;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Provider credentials per (workspace, provider), AES-256-GCM encrypted under {@code INTEGRATIONS_SECRET_KEY} with the
 * workspace and provider as authenticated data. A secret is decrypted only into the {@link ProviderAccess} of a call.
 * The AI provider falls back to the service-wide {@code AI_API_KEY} when a workspace has no key of its own.
 */
@Singleton
public final class CredentialStore {

    private static final Logger LOG = LoggerFactory.getLogger(CredentialStore.class);
    private static final int MAX_TOKEN = 4096;
    private static final int MAX_FIELD = 512;

    /** A call's credentials and the integration's health as the call starts. */
    public record Lookup(@Nullable ProviderAccess access, String status, int consecutiveFailures,
                         @Nullable Instant lastSuccessAt) {
    }

    /** A stored integration, for the health check. */
    public record Key(UUID workspaceId, Provider provider) {
    }

    private final DataSource dataSource;
    private final DbRetry retry;
    private final AesGcmCipher cipher;
    @Nullable
    private final String aiKey;

    CredentialStore(DataSource dataSource, @Nullable DataSourceResolver resolver, DbRetry retry,
                    @Value("${ballast.integrations.credentials.secret-key:}") @Nullable String secretKey,
                    @Value("${ballast.integrations.ai.api-key:}") @Nullable String aiKey) {
        this.dataSource = (resolver == null ? DataSourceResolver.DEFAULT : resolver).resolve(dataSource);
        this.retry = retry;
        this.cipher = new AesGcmCipher(secretKey, "INTEGRATIONS_SECRET_KEY", "provider credential");
        this.aiKey = aiKey == null || aiKey.isBlank() ? null : aiKey.strip();
        if (!cipher.available()) {
            LOG.error("INTEGRATIONS_SECRET_KEY is not set: provider credentials cannot be stored or read until it is");
        }
    }

    /**
     * The columns a {@link Lookup} is read from, for the (workspace, provider) given as its two parameters: always one
     * row. {@link dev.ballast.integrations.answers.StoredAnswers} joins it to a key's claim, so that a call claims its
     * key and reads its credentials in one round trip.
     */
    public static final String LOOKUP_SQL = """
            SELECT c.secret, c.base_url, c.account_id, c.channel, c.alert_channel,
                   coalesce(h.status, 'UNKNOWN') AS health_status, coalesce(h.consecutive_failures, 0) AS failures,
                   h.last_success_at
            FROM (SELECT ?::uuid AS workspace_id, ?::text AS provider) k
            LEFT JOIN integrations.integration_credentials c
                   ON c.workspace_id = k.workspace_id AND c.provider = k.provider
            LEFT JOIN integrations.integration_health h
                   ON h.workspace_id = k.workspace_id AND h.provider = k.provider""";
    /** How many columns {@link #LOOKUP_SQL} has. */
    public static final int LOOKUP_COLUMNS = 8;

    /** The credentials and health of (workspace, provider); access is null when none are configured. */
    public Lookup lookup(UUID workspace, Provider provider) throws SQLException {
        Stored row = retry.statement("credential-lookup", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement(LOOKUP_SQL)) {
                st.setObject(1, workspace);
                st.setString(2, provider.id());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return row(rs, 1);
                }
            }
        });
        return lookupOf(workspace, provider, row);
    }

    /**
     * What the {@link #LOOKUP_SQL} columns starting at column {@code first} of the current row of {@code rs} (a
     * statement that joined it) hold, the secret still encrypted: {@link #open} it.
     */
    public static Stored stored(ResultSet rs, int first) throws SQLException {
        return row(rs, first);
    }

    /** The lookup {@code row} stands for, its secret decrypted. */
    public Lookup open(UUID workspace, Provider provider, Stored row) {
        return lookupOf(workspace, provider, row);
    }

    private Lookup lookupOf(UUID workspace, Provider provider, Stored row) {
        ProviderAccess access = null;
        if (row.secret() != null) {
            String token = new String(decrypt(workspace, provider, row.secret()), StandardCharsets.UTF_8);
            access = new ProviderAccess(provider, token, row.baseUrl(), row.accountId(), row.channel(), row.alertChannel());
        } else if (provider == Provider.AI && aiKey != null) {
            access = new ProviderAccess(provider, aiKey, null, null, null, null);
        }
        return new Lookup(access, row.status(), row.failures(), row.lastSuccess());
    }

    private static Stored row(ResultSet rs, int first) throws SQLException {
        Timestamp success = rs.getTimestamp(first + 7);
        return new Stored(rs.getBytes(first), rs.getString(first + 1), rs.getString(first + 2), rs.getString(first + 3),
                rs.getString(first + 4), rs.getString(first + 5), rs.getInt(first + 6),
                success == null ? null : success.toInstant());
    }

    /**
     * Stores (replaces) the credentials of (workspace, provider). New credentials may work where the old did not,
     * so the integration's health starts over (UNKNOWN) and calls are no longer skipped.
     */
    public IntegrationView put(UUID workspace, Provider provider, CredentialUpdate update) throws SQLException {
        String token = update.token() == null ? "" : update.token().strip();
        if (token.isEmpty() || token.length() > MAX_TOKEN) {
            throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid_token_value",
                    "token is required (at most " + MAX_TOKEN + " characters)");
        }
        String baseUrl = baseUrl(update.baseUrl());
        String accountId = field("accountId", update.accountId());
        String channel = field("channel", update.channel());
        String alertChannel = field("alertChannel", update.alertChannel());
        if (!cipher.available()) {
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "secret_key_unset",
                    "INTEGRATIONS_SECRET_KEY is not set: credentials cannot be stored");
        }
        byte[] secret = cipher.encrypt(token.getBytes(StandardCharsets.UTF_8), aad(workspace, provider));
        Instant updated = retry.statement("credential-put", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    WITH stored AS (
                        INSERT INTO integrations.integration_credentials AS c
                               (workspace_id, provider, secret, base_url, account_id, channel, alert_channel)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (workspace_id, provider) DO UPDATE
                           SET secret = EXCLUDED.secret, base_url = EXCLUDED.base_url, account_id = EXCLUDED.account_id,
                               channel = EXCLUDED.channel, alert_channel = EXCLUDED.alert_channel, updated_at = now()
                        RETURNING c.updated_at),
                    reset AS (
                        UPDATE integrations.integration_health
                           SET status = 'UNKNOWN', since = now(), consecutive_failures = 0
                         WHERE workspace_id = ? AND provider = ? AND status <> 'UNKNOWN')
                    SELECT updated_at FROM stored""")) {
                st.setObject(1, workspace);
                st.setString(2, provider.id());
                st.setBytes(3, secret);
                st.setString(4, baseUrl);
                st.setString(5, accountId);
                st.setString(6, channel);
                st.setString(7, alertChannel);
                st.setObject(8, workspace);
                st.setString(9, provider.id());
                try (ResultSet rs = st.executeQuery()) {
                    rs.next();
                    return rs.getTimestamp(1).toInstant();
                }
            }
        });
        LOG.info("credentials stored workspace={} provider={}", workspace, provider.id());
        return new IntegrationView(workspace, provider.id(), true, baseUrl, accountId, channel, alertChannel, updated,
                "UNKNOWN");
    }

    /** The workspace's integrations (configured or with a health record), without secrets. */
    public List<IntegrationView> list(UUID workspace) throws SQLException {
        return retry.statement("credential-list", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    SELECT coalesce(c.provider, h.provider), c.secret IS NOT NULL, c.base_url, c.account_id, c.channel,
                           c.alert_channel, c.updated_at, coalesce(h.status, 'UNKNOWN')
                    FROM (SELECT * FROM integrations.integration_credentials WHERE workspace_id = ?) c
                    FULL JOIN (SELECT * FROM integrations.integration_health WHERE workspace_id = ?) h
                           ON h.provider = c.provider
                    ORDER BY 1""")) {
                st.setObject(1, workspace);
                st.setObject(2, workspace);
                List<IntegrationView> views = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        Timestamp updated = rs.getTimestamp(7);
                        views.add(new IntegrationView(workspace, rs.getString(1), rs.getBoolean(2), rs.getString(3),
                                rs.getString(4), rs.getString(5), rs.getString(6),
                                updated == null ? null : updated.toInstant(), rs.getString(8)));
                    }
                }
                return views;
            }
        });
    }

    /** Up to {@code limit} configured integrations, least recently checked first. */
    public List<Key> checkable(int limit) throws SQLException {
        return retry.statement("credential-checkable", () -> {
            try (Connection c = dataSource.getConnection(); PreparedStatement st = c.prepareStatement("""
                    SELECT c.workspace_id, c.provider FROM integrations.integration_credentials c
                    LEFT JOIN integrations.integration_health h
                           ON h.workspace_id = c.workspace_id AND h.provider = c.provider
                    WHERE c.provider <> 'ai'
                    ORDER BY h.last_check_at NULLS FIRST LIMIT ?""")) {
                st.setInt(1, limit);
                List<Key> keys = new ArrayList<>();
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        keys.add(new Key(rs.getObject(1, UUID.class), Provider.of(rs.getString(2))));
                    }
                }
                return keys;
            }
        });
    }

    private byte[] decrypt(UUID workspace, Provider provider, byte[] secret) {
        try {
            return cipher.decrypt(secret, aad(workspace, provider));
        } catch (AesGcmCipher.KeyUnavailableException e) {
            throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "credentials_unavailable", e.getMessage());
        }
    }

    private static byte[] aad(UUID workspace, Provider provider) {
        return ("ballast-integration-credential:" + workspace + ":" + provider.id()).getBytes(StandardCharsets.US_ASCII);
    }

    private static @Nullable String baseUrl(@Nullable String value) {
        String v = field("baseUrl", value);
        if (v == null) {
            return null;
        }
        try {
            URI uri = URI.create(v);
            if (("https".equals(uri.getScheme()) || "http".equals(uri.getScheme())) && uri.getHost() != null
                    && uri.getUserInfo() == null && uri.getQuery() == null) {
                return v.replaceAll("/+$", "");
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid_base_url",
                "baseUrl must be an http(s) URL without credentials or query");
    }

    private static @Nullable String field(String name, @Nullable String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.length() > MAX_FIELD) {
            throw new ProblemException(HttpStatus.BAD_REQUEST, "invalid_" + name, name + " is too long");
        }
        return value.strip();
    }

    /** A lookup as stored: the secret still encrypted. */
    public record Stored(byte @Nullable [] secret, @Nullable String baseUrl, @Nullable String accountId,
                         @Nullable String channel, @Nullable String alertChannel, String status, int failures,
                         @Nullable Instant lastSuccess) {
    }
}
