package dev.ballast.jobs.handlers;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import dev.ballast.jobs.queue.JobContext;
import dev.ballast.jobs.queue.JobOutcome;
import dev.ballast.jobs.queue.PermanentJobFailure;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The daily digest and weekly review handlers: what they count, what they post, and under which key. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WorkspaceDigestTest {

    private PostProcessFixture f;

    @BeforeAll
    void start() {
        f = new PostProcessFixture();
    }

    @AfterAll
    void stop() {
        f.close();
    }

    @BeforeEach
    void reset() {
        f.reset();
        f.integrations.stubFor(post("/notifications/slack").willReturn(okJson("{\"channel\":\"C1\",\"ts\":\"5.6\"}")));
        f.integrations.stubFor(get("/integrations/health").willReturn(okJson("""
                [{"provider":"slack","status":"CONNECTED"},{"provider":"unipile","status":"DISCONNECTED"},
                 {"provider":"ghl","status":"DEGRADED"},{"provider":"ai","status":"UNKNOWN"}]""")));
    }

    @Test
    void theDailyDigestCountsItsDayOnlyAndPostsOnceUnderAKeyFixedByWorkspaceAndDay() throws Exception {
        UUID ws = UUID.randomUUID();
        String day = "2030-06-03T";
        reply(ws, day + "09:00:00Z", "positive", true);
        reply(ws, day + "10:00:00Z", "positive", false);
        reply(ws, day + "11:00:00Z", "neutral", false);
        reply(ws, "2030-06-02T23:59:59Z", "negative", true);     // the day before
        reply(UUID.randomUUID(), day + "12:00:00Z", "negative", true);  // another workspace
        contacted(ws, 1, day + "08:00:00Z");
        contacted(ws, 2, day + "13:00:00Z");
        contacted(ws, 3, "2030-06-04T00:00:00Z");                // the day after

        DailyDigest digest = f.service.bean(DailyDigest.class);
        JobOutcome first = digest.handle(job(DailyDigest.TYPE, ws, "2030-06-03"));
        JobOutcome again = digest.handle(job(DailyDigest.TYPE, ws, "2030-06-03"));

        assertThat(((JobOutcome.Succeeded) first).result().get("replies").getLongValue()).isEqualTo(3);
        List<LoggedRequest> posts = f.integrations.findAll(postRequestedFor(urlEqualTo("/notifications/slack")));
        assertThat(posts).hasSize(2).extracting(r -> r.getHeader("Idempotency-Key"))
                .containsOnly("workspace-daily-digest:" + ws + ":2030-06-03");
        assertThat(posts).extracting(r -> r.getHeader("X-Workspace-Id")).containsOnly(ws.toString());
        assertThat(f.service.json(posts.getFirst().getBodyAsString()).get("text").getStringValue()).isEqualTo(
                "Daily digest 2030-06-03: 3 replies (positive 2, neutral 1), 1 drafts sent automatically,"
                        + " 2 leads contacted. Not connected: unipile (DISCONNECTED), ghl (DEGRADED)");
        assertThat(posts.get(1).getBodyAsString()).isEqualTo(posts.getFirst().getBodyAsString());
        assertThat(again).isEqualTo(first);
    }

    @Test
    void theWeeklyReviewCountsItsIsoWeek() throws Exception {
        UUID ws = UUID.randomUUID();
        reply(ws, "2030-06-03T00:00:00Z", "interested", false);   // Monday of 2030-W23
        reply(ws, "2030-06-09T23:59:59Z", "interested", true);    // its Sunday
        reply(ws, "2030-06-10T00:00:00Z", "interested", true);    // next Monday

        JobOutcome outcome = f.service.bean(WeeklyReview.class).handle(job(WeeklyReview.TYPE, ws, "2030-W23"));

        assertThat(((JobOutcome.Succeeded) outcome).result().get("replies").getLongValue()).isEqualTo(2);
        assertThat(f.integrations.findAll(postRequestedFor(urlEqualTo("/notifications/slack"))).getFirst()
                .getHeader("Idempotency-Key")).isEqualTo("workspace-weekly-review:" + ws + ":2030-W23");
    }

    @Test
    void integrationHealthThatCannotBeReadLeavesTheDigestPostedAndSaysSo() throws Exception {
        UUID ws = UUID.randomUUID();
        f.integrations.stubFor(get("/integrations/health").willReturn(aResponse().withStatus(500)));

        f.service.bean(DailyDigest.class).handle(job(DailyDigest.TYPE, ws, "2030-06-03"));

        List<LoggedRequest> posts = f.integrations.findAll(postRequestedFor(urlEqualTo("/notifications/slack")));
        assertThat(posts).hasSize(1);
        assertThat(f.service.json(posts.getFirst().getBodyAsString()).get("text").getStringValue()).isEqualTo(
                "Daily digest 2030-06-03: 0 replies, 0 drafts sent automatically, 0 leads contacted."
                        + " Integration health unavailable");
    }

    @Test
    void aSlackOutageRetriesTheDigestAndARefusalOrABadPeriodEndsIt() {
        UUID ws = UUID.randomUUID();
        DailyDigest digest = f.service.bean(DailyDigest.class);
        f.integrations.stubFor(post("/notifications/slack").willReturn(aResponse().withStatus(503)));
        assertThatThrownBy(() -> digest.handle(job(DailyDigest.TYPE, ws, "2030-06-03")))
                .isInstanceOf(HttpClientResponseException.class).isNotInstanceOf(PermanentJobFailure.class);

        f.integrations.stubFor(post("/notifications/slack").willReturn(aResponse().withStatus(409)));
        assertThatThrownBy(() -> digest.handle(job(DailyDigest.TYPE, ws, "2030-06-03")))
                .isInstanceOf(PermanentJobFailure.class);
        assertThatThrownBy(() -> digest.handle(job(DailyDigest.TYPE, ws, "2030-W23")))
                .isInstanceOf(PermanentJobFailure.class).hasMessageContaining("not a day key");
    }

    private JobContext job(String type, UUID ws, String period) {
        return new JobContext(1, type, ws, f.service.json("""
                {"kind":"k","workspaceId":"%s","period":"%s"}""".formatted(ws, period)), 1, 5,
                Instant.now().plusSeconds(30));
    }

    private void reply(UUID ws, String at, String sentiment, boolean sent) {
        f.service.execute("""
                INSERT INTO jobs.jobs (type, workspace_id, payload, status, attempt, max_attempts, finished_at,
                                       created_at, result)
                VALUES ('email-inbound-post-process', ?, '{}', 'succeeded', 1, 4, now(), ?::timestamptz,
                        jsonb_build_object('sentiment', ?::text, 'steps', jsonb_build_object('sent', ?::text)))""",
                ws, at, sentiment, sent ? "done" : null);
    }

    private void contacted(UUID ws, long lead, String at) {
        f.service.execute("""
                INSERT INTO jobs.lead_contacts (workspace_id, lead_id, contacted_at, channel, message_id)
                VALUES (?, ?, ?::timestamptz, 'email', ?)""", ws, lead, at, lead);
    }
}
