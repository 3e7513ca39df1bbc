package dev.ballast.webhook.auth;

import com.standardwebhooks.Webhook;
import dev.ballast.webhook.auth.StandardWebhookVerifier.Verdict;
import dev.ballast.webhook.workspace.WebhookSecrets;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StandardWebhookVerifierTest {

    // The test vector published with the Standard Webhooks specification.
    private static final String VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long VECTOR_TIMESTAMP = 1614265330;
    private static final String VECTOR_BODY = "{\"test\": 2432232314}";
    private static final String VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private final StandardWebhookVerifier verifier = new StandardWebhookVerifier(Duration.ofMinutes(5));

    @Test
    void thePublishedTestVectorVerifies() {
        assertThat(verify(VECTOR_SIGNATURE, VECTOR_BODY, Instant.ofEpochSecond(VECTOR_TIMESTAMP), VECTOR_SECRET))
                .isEqualTo(Verdict.VALID);
    }

    @Test
    void theTestVectorWithATamperedBodyOrIdDoesNotVerify() {
        Instant at = Instant.ofEpochSecond(VECTOR_TIMESTAMP);
        assertThat(verify(VECTOR_SIGNATURE, "{\"test\": 2432232315}", at, VECTOR_SECRET)).isEqualTo(Verdict.NO_MATCH);
        assertThat(verifier.verify("msg_other", Long.toString(VECTOR_TIMESTAMP), VECTOR_SIGNATURE,
                utf8(VECTOR_BODY), List.of(WebhookSecrets.parseSigningSecret(VECTOR_SECRET)), at))
                .isEqualTo(Verdict.NO_MATCH);
    }

    @Test
    void aSignatureMadeByTheReferenceLibraryVerifies() throws Exception {
        String secret = WebhookSecrets.formatSigningSecret(WebhookSecrets.newSigningSecret());
        Instant now = Instant.now();
        String body = "{\"amount\": 1.50, \"name\": \"Zoë ✓\"}";
        String signature = new Webhook(secret).sign("msg_1", now.getEpochSecond(), body);
        assertThat(verifier.verify("msg_1", Long.toString(now.getEpochSecond()), signature, utf8(body),
                List.of(WebhookSecrets.parseSigningSecret(secret)), now)).isEqualTo(Verdict.VALID);
    }

    @Test
    void aBodyChangedFromOnePointFiftyToOnePointFiveDoesNotVerify() throws Exception {
        String secret = WebhookSecrets.formatSigningSecret(WebhookSecrets.newSigningSecret());
        Instant now = Instant.now();
        String signature = new Webhook(secret).sign("msg_1", now.getEpochSecond(), "{\"amount\":1.50}");
        assertThat(verifier.verify("msg_1", Long.toString(now.getEpochSecond()), signature, utf8("{\"amount\":1.5}"),
                List.of(WebhookSecrets.parseSigningSecret(secret)), now)).isEqualTo(Verdict.NO_MATCH);
    }

    @Test
    void anyOfSeveralSignaturesAgainstAnyOfSeveralSecretsVerifies() throws Exception {
        String oldSecret = WebhookSecrets.formatSigningSecret(WebhookSecrets.newSigningSecret());
        String newSecret = WebhookSecrets.formatSigningSecret(WebhookSecrets.newSigningSecret());
        String unknown = WebhookSecrets.formatSigningSecret(WebhookSecrets.newSigningSecret());
        Instant now = Instant.now();
        long ts = now.getEpochSecond();
        String header = new Webhook(unknown).sign("m", ts, "{}") + " v1a,bm90LWhtYWM= v1,!!notbase64 "
                + new Webhook(newSecret).sign("m", ts, "{}");
        List<byte[]> live = List.of(WebhookSecrets.parseSigningSecret(oldSecret),
                WebhookSecrets.parseSigningSecret(newSecret));
        assertThat(verifier.verify("m", Long.toString(ts), header, utf8("{}"), live, now)).isEqualTo(Verdict.VALID);
        assertThat(verifier.verify("m", Long.toString(ts), new Webhook(unknown).sign("m", ts, "{}"), utf8("{}"), live, now))
                .isEqualTo(Verdict.NO_MATCH);
    }

    @Test
    void timestampsOutsideFiveMinutesEitherWayAreStale() {
        Instant at = Instant.ofEpochSecond(VECTOR_TIMESTAMP);
        assertThat(verify(VECTOR_SIGNATURE, VECTOR_BODY, at.plusSeconds(300), VECTOR_SECRET)).isEqualTo(Verdict.VALID);
        assertThat(verify(VECTOR_SIGNATURE, VECTOR_BODY, at.plusSeconds(301), VECTOR_SECRET)).isEqualTo(Verdict.STALE_TIMESTAMP);
        assertThat(verify(VECTOR_SIGNATURE, VECTOR_BODY, at.minusSeconds(301), VECTOR_SECRET)).isEqualTo(Verdict.STALE_TIMESTAMP);
    }

    @Test
    void missingOrMalformedHeadersAndMissingSecretsAreRefused() {
        Instant at = Instant.ofEpochSecond(VECTOR_TIMESTAMP);
        List<byte[]> secrets = List.of(WebhookSecrets.parseSigningSecret(VECTOR_SECRET));
        assertThat(verifier.verify(null, "1", VECTOR_SIGNATURE, utf8(VECTOR_BODY), secrets, at)).isEqualTo(Verdict.MISSING_HEADERS);
        assertThat(verifier.verify(VECTOR_ID, " ", VECTOR_SIGNATURE, utf8(VECTOR_BODY), secrets, at)).isEqualTo(Verdict.MISSING_HEADERS);
        assertThat(verifier.verify(VECTOR_ID, "1614265330", "", utf8(VECTOR_BODY), secrets, at)).isEqualTo(Verdict.MISSING_HEADERS);
        assertThat(verifier.verify(VECTOR_ID, "yesterday", VECTOR_SIGNATURE, utf8(VECTOR_BODY), secrets, at)).isEqualTo(Verdict.INVALID_TIMESTAMP);
        assertThat(verifier.verify(VECTOR_ID, "1614265330", VECTOR_SIGNATURE, utf8(VECTOR_BODY), List.of(), at)).isEqualTo(Verdict.NO_SECRET);
        assertThat(verifier.verify(VECTOR_ID, "1614265330", "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
                utf8(VECTOR_BODY), secrets, at)).isEqualTo(Verdict.NO_MATCH);
    }

    private Verdict verify(String signature, String body, Instant now, String secret) {
        return verifier.verify(VECTOR_ID, Long.toString(VECTOR_TIMESTAMP), signature, utf8(body),
                List.of(WebhookSecrets.parseSigningSecret(secret)), now);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
