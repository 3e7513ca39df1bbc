package dev.ballast.jobs.queue;

import dev.ballast.jobs.testing.TestJob;
import dev.ballast.testsupport.TestDatabase;
import dev.ballast.testsupport.TestPostgres;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/** POST /jobs and /jobs/bulk over real HTTP; workers off so that enqueued jobs stay as they were stored. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EnqueueApiTest {

    private static final String TOKEN = "test-service-token";
    private static final String AUTH = "Bearer " + TOKEN;
    private TestDatabase db;
    private RunningJobsService service;

    @BeforeAll
    void start() {
        db = TestPostgres.freshDatabase();
        service = RunningJobsService.start(db, null, Map.of(
                "ballast.jobs.workers.enabled", "false",
                "ballast.jobs.service-token", TOKEN,
                "ballast.jobs.bulk-max-items", "5"));
    }

    @AfterAll
    void stop() {
        service.close();
        db.close();
    }

    private static String job(String type, UUID ws, String extra) {
        return "{\"type\":\"" + type + "\",\"workspaceId\":\"" + ws + "\",\"payload\":{\"messageId\":7}" + extra + "}";
    }

    @Test
    void newKeyIsCreatedWith201AndTheSameKeyAnswers200WithTheSameJob() {
        UUID ws = UUID.randomUUID();
        String key = "email-inbound-post-process:" + UUID.randomUUID();
        HttpResponse<String> first = service.post("/jobs", job("counting", ws, ""), "Idempotency-Key", key,
                "Authorization", AUTH);
        HttpResponse<String> again = service.post("/jobs", job("counting", ws, ",\"dedupeKey\":\"" + key + "\""),
                "Idempotency-Key", key, "Authorization", AUTH);

        assertThat(first.statusCode()).as(first.body()).isEqualTo(201);
        assertThat(first.body()).contains("\"created\":true").contains("\"status\":\"available\"");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("\"created\":false");
        String id = first.body().replaceAll(".*\"jobId\":\"(\\d+)\".*", "$1");
        assertThat(again.body()).contains("\"jobId\":\"" + id + "\"");
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key = ?", key)).isEqualTo(1);
        assertThat(service.queryOne("SELECT payload::text FROM jobs.jobs WHERE dedupe_key = ?", key))
                .isEqualTo("{\"messageId\": 7}");
    }

    @Test
    void theRequestTheOutboxRelaySendsIsAccepted() {
        // Exactly what webhook-service's JobRequest serialises to.
        String body = "{\"type\":\"email-inbound-post-process\",\"workspaceId\":\"" + UUID.randomUUID()
                + "\",\"payload\":{\"messageId\":1},\"dedupeKey\":\"k-relay\"}";
        HttpResponse<String> r = service.post("/jobs", body, "Idempotency-Key", "k-relay", "Authorization", AUTH);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
    }

    @Test
    void aDuplicateNeverReArmsAFinishedJob() {
        String key = "done-" + UUID.randomUUID();
        service.post("/jobs", job("counting", UUID.randomUUID(), ""), "Idempotency-Key", key, "Authorization", AUTH);
        service.execute("UPDATE jobs.jobs SET status = 'succeeded', attempt = 1, finished_at = now() WHERE dedupe_key = ?", key);

        HttpResponse<String> again = service.post("/jobs", job("counting", UUID.randomUUID(), ""), "Idempotency-Key", key,
                "Authorization", AUTH);

        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("\"status\":\"succeeded\"").contains("\"created\":false");
        assertThat(service.queryOne("SELECT status FROM jobs.jobs WHERE dedupe_key = ?", key)).isEqualTo("succeeded");
    }

    @Test
    void enqueueingAKnownKeyInProcessAnswersTheExistingJobNotNull() {
        JobQueue queue = service.queue();
        JobQueue.NewJob job = TestJob.of("counting").dedupeKey("in-process-" + UUID.randomUUID()).newJob();
        JobQueue.Enqueued created = queue.enqueue(job);
        JobQueue.Enqueued existing = queue.enqueue(job);

        assertThat(created.created()).isTrue();
        assertThat(existing).isNotNull();
        assertThat(existing.created()).isFalse();
        assertThat(existing.id()).isEqualTo(created.id());
        assertThat(existing.status()).isEqualTo(JobState.AVAILABLE);
    }

    @Test
    void theSameIdempotencyKeyPostedConcurrentlyCreatesOneJob() throws Exception {
        String key = "race-" + UUID.randomUUID();
        String body = job("counting", UUID.randomUUID(), "");
        CountDownLatch go = new CountDownLatch(1);
        List<Future<HttpResponse<String>>> answers = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < 100; i++) {
                answers.add(threads.submit(() -> {
                    go.await();
                    return service.post("/jobs", body, "Idempotency-Key", key, "Authorization", AUTH);
                }));
            }
            go.countDown();
        }
        List<Integer> codes = new ArrayList<>();
        List<String> jobIds = new ArrayList<>();
        for (Future<HttpResponse<String>> a : answers) {
            codes.add(a.get().statusCode());
            jobIds.add(a.get().body().replaceAll(".*\"jobId\":\"(\\d+)\".*", "$1"));
        }
        assertThat(codes).filteredOn(c -> c == 201).hasSize(1);
        assertThat(codes).filteredOn(c -> c == 200).hasSize(99);
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key = ?", key)).isEqualTo(1);
        // every duplicate is answered with the job the one 201 created
        assertThat(jobIds).containsOnly(String.valueOf(service.queryOne("SELECT id FROM jobs.jobs WHERE dedupe_key = ?", key)));
    }

    @Test
    void badInputIsAProblemNamingTheFieldAndNothingIsStored() {
        UUID ws = UUID.randomUUID();
        long before = service.count("SELECT count(*) FROM jobs.jobs");
        assertProblem(service.post("/jobs", "{\"workspaceId\":\"" + ws + "\"}", "Authorization", AUTH), 422, "/type");
        assertProblem(service.post("/jobs", job("Bad Type!", ws, ""), "Authorization", AUTH), 422, "/type");
        assertProblem(service.post("/jobs", "{\"type\":\"counting\",\"workspaceId\":\"nope\"}", "Authorization", AUTH),
                422, "/workspaceId");
        assertProblem(service.post("/jobs", "{\"type\":\"counting\"}", "Authorization", AUTH), 422, "/workspaceId");
        assertProblem(service.post("/jobs", "{\"type\":\"counting\",\"workspaceId\":\"" + ws + "\",\"payload\":[1]}",
                "Authorization", AUTH), 422, "/payload");
        assertProblem(service.post("/jobs", job("counting", ws, ",\"runAt\":\"tomorrow\""), "Authorization", AUTH),
                422, "/runAt");
        assertProblem(service.post("/jobs", job("counting", ws, ",\"priority\":5000"), "Authorization", AUTH),
                422, "/priority");
        assertProblem(service.post("/jobs", job("counting", ws, ",\"maxAttempts\":0"), "Authorization", AUTH),
                422, "/maxAttempts");
        assertProblem(service.post("/jobs", job("counting", ws, ",\"dedupeKey\":\"a\""), "Idempotency-Key", "b",
                "Authorization", AUTH), 422, "/dedupeKey");
        HttpResponse<String> malformed = service.post("/jobs", "{\"type\":", "Authorization", AUTH);
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(service.count("SELECT count(*) FROM jobs.jobs")).isEqualTo(before);
    }

    @Test
    void theServiceTokenIsRequiredWhenConfigured() {
        String body = job("counting", UUID.randomUUID(), "");
        HttpResponse<String> none = service.post("/jobs", body);
        HttpResponse<String> wrong = service.post("/jobs", body, "Authorization", "Bearer nope");
        HttpResponse<String> bulk = service.post("/jobs/bulk", "[" + body + "]");

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(bulk.statusCode()).isEqualTo(401);
        assertThat(none.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
    }

    @Test
    void withoutAConfiguredServiceTokenTheEnqueueApiAnswers503AndStoresNothing() {
        try (RunningJobsService open = RunningJobsService.start(db, null, Map.of("ballast.jobs.workers.enabled", "false"))) {
            long before = open.count("SELECT count(*) FROM jobs.jobs");
            HttpResponse<String> none = open.post("/jobs", job("counting", UUID.randomUUID(), ""));
            HttpResponse<String> any = open.post("/jobs/bulk", "[" + job("counting", UUID.randomUUID(), "") + "]",
                    "Authorization", AUTH);

            assertThat(none.statusCode()).isEqualTo(503);
            assertThat(any.statusCode()).isEqualTo(503);
            assertThat(none.body()).contains("JOBS_SERVICE_TOKEN").doesNotContain(TOKEN);
            assertThat(open.count("SELECT count(*) FROM jobs.jobs")).isEqualTo(before);
        }
    }

    @Test
    void bulkEnqueueAnswersPerItemInOrderInOneTransaction() throws Exception {
        UUID ws = UUID.randomUUID();
        String existingKey = "bulk-existing-" + UUID.randomUUID();
        String newKey = "bulk-new-" + UUID.randomUUID();
        HttpResponse<String> first = service.post("/jobs", job("counting", ws, ""), "Idempotency-Key", existingKey,
                "Authorization", AUTH);
        String existingId = first.body().replaceAll(".*\"jobId\":\"(\\d+)\".*", "$1");

        HttpResponse<String> r = service.post("/jobs/bulk", "["
                + job("counting", ws, "") + ","
                + job("counting", ws, ",\"dedupeKey\":\"" + existingKey + "\"") + ","
                + job("counting", ws, ",\"dedupeKey\":\"" + newKey + "\"") + ","
                + job("counting", ws, ",\"dedupeKey\":\"" + newKey + "\"") + "]", "Authorization", AUTH);

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answers = service.bean(io.micronaut.json.JsonMapper.class).readValue(r.body(), JsonNode.class);
        assertThat(answers.size()).isEqualTo(4);
        assertThat(answers.get(0).get("created").getBooleanValue()).isTrue();
        assertThat(answers.get(1).get("created").getBooleanValue()).isFalse();
        assertThat(answers.get(1).get("jobId").getStringValue()).isEqualTo(existingId);
        assertThat(answers.get(2).get("created").getBooleanValue()).isTrue();
        assertThat(answers.get(3).get("created").getBooleanValue()).isFalse();
        assertThat(answers.get(3).get("jobId").getStringValue()).isEqualTo(answers.get(2).get("jobId").getStringValue());
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key = ?", newKey)).isEqualTo(1);
    }

    @Test
    void bulkWithOneBadItemStoresNothingAndTooManyItemsIsRefused() {
        UUID ws = UUID.randomUUID();
        String key = "bulk-bad-" + UUID.randomUUID();
        long before = service.count("SELECT count(*) FROM jobs.jobs");
        HttpResponse<String> bad = service.post("/jobs/bulk", "[" + job("counting", ws, ",\"dedupeKey\":\"" + key + "\"")
                + ",{\"workspaceId\":\"" + ws + "\"}]", "Authorization", AUTH);
        String six = String.join(",", java.util.Collections.nCopies(6, job("counting", ws, "")));
        HttpResponse<String> tooMany = service.post("/jobs/bulk", "[" + six + "]", "Authorization", AUTH);

        assertProblem(bad, 422, "/1/type");
        assertThat(tooMany.statusCode()).isEqualTo(413);
        assertThat(service.count("SELECT count(*) FROM jobs.jobs")).isEqualTo(before);
    }

    @Test
    void aPartialBulkStoresTheValidItemsAndAnswersEachInvalidOneRefusedInItsPlace() throws Exception {
        UUID ws = UUID.randomUUID();
        String good = "partial-good-" + UUID.randomUUID();
        String alsoGood = "partial-good2-" + UUID.randomUUID();
        String bad = "partial-bad-" + UUID.randomUUID();
        HttpResponse<String> r = service.post("/jobs/bulk?partial=true", "["
                + job("counting", ws, ",\"dedupeKey\":\"" + good + "\"") + ","
                + "{\"type\":\"counting\",\"workspaceId\":\"" + ws + "\",\"payload\":[1],\"dedupeKey\":\"" + bad + "\"},"
                + job("counting", ws, ",\"dedupeKey\":\"" + alsoGood + "\"") + "]",
                "Authorization", AUTH, "Idempotency-Key", "call-1");

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode answers = service.bean(io.micronaut.json.JsonMapper.class).readValue(r.body(), JsonNode.class);
        assertThat(answers.size()).isEqualTo(3);
        assertThat(answers.get(0).get("created").getBooleanValue()).isTrue();
        assertThat(answers.get(1).get("status").getStringValue()).isEqualTo("refused");
        assertThat(answers.get(1).get("pointer").getStringValue()).isEqualTo("/1/payload");
        assertThat(answers.get(1).get("jobId")).isNull();
        assertThat(answers.get(2).get("created").getBooleanValue()).isTrue();
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key IN (?, ?)", good, alsoGood)).isEqualTo(2);
        assertThat(service.count("SELECT count(*) FROM jobs.jobs WHERE dedupe_key = ?", bad)).isZero();
    }

    @Test
    void aBulkCallWithAnIdempotencyKeyNeedsADedupeKeyOnEveryItem() {
        long before = service.count("SELECT count(*) FROM jobs.jobs");
        HttpResponse<String> r = service.post("/jobs/bulk", "[" + job("counting", UUID.randomUUID(),
                ",\"dedupeKey\":\"keyed-" + UUID.randomUUID() + "\"") + "," + job("counting", UUID.randomUUID(), "")
                + "]", "Authorization", AUTH, "Idempotency-Key", "call-2");

        assertProblem(r, 422, "/1/dedupeKey");
        assertThat(service.count("SELECT count(*) FROM jobs.jobs")).isEqualTo(before);
    }

    private static void assertProblem(HttpResponse<String> r, int status, String pointer) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.body()).contains("\"pointer\":\"" + pointer + "\"");
    }
}
