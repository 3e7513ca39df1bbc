package dev.ballast.webhook.messages;

import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MessageReadApiTest {

    private RunningWebhookService service;
    private TestWorkspace ws;
    private TestWorkspace other;
    private final List<Long> janeMessages = new ArrayList<>();
    private long leadId;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start();
        ws = service.createWorkspace();
        other = service.createWorkspace();
        for (int i = 1; i <= 5; i++) {
            janeMessages.add(service.json(service.post(ws.emailPath(), Deliveries.reply(100 + i, "jane@example.com"),
                    ws.bearer())).get("messageId").getLongValue());
        }
        service.post(ws.emailPath(), Deliveries.reply(200, "someone@else.example"), ws.bearer());
        leadId = (Long) service.queryOne("SELECT lead_id FROM webhook.messages WHERE id = ?", janeMessages.getFirst());
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void withoutAConfiguredServiceTokenTheReadApiIsUnavailableNotOpen() {
        try (RunningWebhookService unconfigured = RunningWebhookService.start(
                Map.of("ballast.webhook.read-api.service-token", ""))) {
            TestWorkspace other = unconfigured.createWorkspace();
            String[] asAnyone = {"Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN,
                    "X-Workspace-Id", other.id().toString()};
            for (HttpResponse<String> r : List.of(unconfigured.get("/messages/1", asAnyone),
                    unconfigured.get("/leads/1/messages", asAnyone),
                    unconfigured.put("/messages/1/annotations/sentiment", "{}", asAnyone),
                    unconfigured.get("/messages/1", "X-Workspace-Id", other.id().toString()))) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(503);
                assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                        t -> assertThat(t).startsWith("application/problem+json"));
            }
        }
    }

    @Test
    void theReadApiNeedsTheServiceTokenAndAWorkspace() {
        String path = "/messages/" + janeMessages.getFirst();
        assertThat(service.get(path, "X-Workspace-Id", ws.id().toString()).statusCode()).isEqualTo(401);
        assertThat(service.get(path, "X-Workspace-Id", ws.id().toString(), "Authorization",
                "Bearer " + RunningWebhookService.ADMIN_TOKEN).statusCode()).isEqualTo(401);
        HttpResponse<String> noWorkspace = service.get(path, "Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN);
        assertThat(noWorkspace.statusCode()).isEqualTo(400);
        assertThat(service.json(noWorkspace).get("reason").getStringValue()).isEqualTo("invalid_workspace");
    }

    @Test
    void aMessageIsReadWithinItsWorkspaceOnly() {
        HttpResponse<String> r = read(ws, "/messages/" + janeMessages.getFirst());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode m = service.json(r);
        assertThat(m.get("externalId").getStringValue()).isEqualTo("reply:101@app.emailbison.com");
        assertThat(m.get("direction").getStringValue()).isEqualTo("inbound");
        assertThat(m.get("leadId").getLongValue()).isEqualTo(leadId);
        assertThat(m.get("metadata").get("campaignId").getStringValue()).isEqualTo("5");
        assertThat(m.get("metadata").get("interested").getBooleanValue()).isFalse();

        HttpResponse<String> elsewhere = read(other, "/messages/" + janeMessages.getFirst());
        assertThat(elsewhere.statusCode()).isEqualTo(404);
        assertThat(elsewhere.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(read(ws, "/messages/999999999").statusCode()).isEqualTo(404);
    }

    @Test
    void aLeadsMessagesComeOldestFirstInPages() {
        JsonNode first = service.json(read(ws, "/leads/" + leadId + "/messages?limit=2"));
        assertThat(ids(first)).containsExactly(janeMessages.get(0), janeMessages.get(1));
        JsonNode second = service.json(read(ws, "/leads/" + leadId + "/messages?limit=2&after="
                + first.get("nextAfter").getLongValue()));
        assertThat(ids(second)).containsExactly(janeMessages.get(2), janeMessages.get(3));
        JsonNode last = service.json(read(ws, "/leads/" + leadId + "/messages?limit=2&after="
                + second.get("nextAfter").getLongValue()));
        assertThat(ids(last)).containsExactly(janeMessages.get(4));
        assertThat(last.get("nextAfter")).isNull();
        assertThat(ids(service.json(read(ws, "/leads/" + leadId + "/messages")))).containsExactlyElementsOf(janeMessages);

        assertThat(read(other, "/leads/" + leadId + "/messages").statusCode()).isEqualTo(404);
        assertThat(read(ws, "/leads/" + leadId + "/messages?limit=0").statusCode()).isEqualTo(400);
        assertThat(read(ws, "/leads/" + leadId + "/messages?limit=201").statusCode()).isEqualTo(400);
    }

    @Test
    void settingAnAnnotationTwiceChangesNothingTheSecondTime() {
        long id = janeMessages.get(1);
        String path = "/messages/" + id + "/annotations/sentiment";
        HttpResponse<String> first = write(ws, path, "{\"label\":\"positive\",\"score\":0.93,\"note\":\"Zoë'; --\\u0000\"}");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        HttpResponse<String> again = write(ws, path, "{\"score\":0.93,\"label\":\"positive\",\"note\":\"Zoë'; --\\u0000\"}");
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(service.json(again).get("updatedAt").getStringValue())
                .isEqualTo(service.json(first).get("updatedAt").getStringValue());
        HttpResponse<String> changed = write(ws, path, "{\"label\":\"negative\"}");
        assertThat(service.json(changed).get("value").get("label").getStringValue()).isEqualTo("negative");
        write(ws, "/messages/" + id + "/annotations/ai-draft", "\"Thanks Jane, tomorrow at 10?\"");

        JsonNode message = service.json(read(ws, "/messages/" + id));
        assertThat(message.get("annotations").get("sentiment").get("value").get("label").getStringValue()).isEqualTo("negative");
        assertThat(message.get("annotations").get("ai-draft").get("value").getStringValue()).isEqualTo("Thanks Jane, tomorrow at 10?");
        assertThat(service.count("SELECT count(*) FROM webhook.message_annotations WHERE message_id = ?", id)).isEqualTo(2);
    }

    @Test
    void annotationsAreWorkspaceScopedAndChecked() {
        long id = janeMessages.get(2);
        assertThat(write(other, "/messages/" + id + "/annotations/sentiment", "{}").statusCode()).isEqualTo(404);
        assertThat(write(ws, "/messages/" + id + "/annotations/Bad%20Kind", "{}").statusCode()).isEqualTo(400);
        assertThat(write(ws, "/messages/" + id + "/annotations/sentiment", "{\"a\":").statusCode()).isEqualTo(400);
        assertThat(write(ws, "/messages/" + id + "/annotations/sentiment", "").statusCode()).isEqualTo(400);
        assertThat(service.count("SELECT count(*) FROM webhook.message_annotations WHERE message_id = ?", id)).isZero();
    }

    @Test
    void severalAnnotationsAreWrittenInOneCallAndAnUnchangedOneKeepsItsTime() {
        long id = janeMessages.get(3);
        String path = "/messages/" + id + "/annotations";
        HttpResponse<String> first = write(ws, path, """
                {"sentiment":{"label":"positive","score":0.9},"ai-draft":{"body":"Zoë'); DROP TABLE x; --"},"n":1}""");
        assertThat(first.statusCode()).as(first.body()).isEqualTo(200);
        JsonNode firstTimes = service.json(first).get("updatedAt");
        assertThat(firstTimes.size()).isEqualTo(3);

        HttpResponse<String> again = write(ws, path, """
                {"sentiment":{"score":0.9,"label":"positive"},"n":2}""");
        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
        JsonNode againTimes = service.json(again).get("updatedAt");
        assertThat(againTimes.get("sentiment").getStringValue()).isEqualTo(firstTimes.get("sentiment").getStringValue());
        assertThat(againTimes.get("n").getStringValue()).isNotEqualTo(firstTimes.get("n").getStringValue());

        JsonNode annotations = service.json(read(ws, "/messages/" + id)).get("annotations");
        assertThat(annotations.get("ai-draft").get("value").get("body").getStringValue()).isEqualTo("Zoë'); DROP TABLE x; --");
        assertThat(annotations.get("n").get("value").getIntValue()).isEqualTo(2);
        assertThat(service.count("SELECT count(*) FROM webhook.message_annotations WHERE message_id = ?", id)).isEqualTo(3);
    }

    @Test
    void aBadAnnotationSetWritesNoneOfIt() {
        long id = janeMessages.get(4);
        String path = "/messages/" + id + "/annotations";
        assertThat(write(other, path, "{\"sentiment\":{}}").statusCode()).isEqualTo(404);
        assertThat(write(ws, "/messages/999999999/annotations", "{\"sentiment\":{}}").statusCode()).isEqualTo(404);
        HttpResponse<String> badKind = write(ws, path, "{\"sentiment\":{},\"Bad Kind\":1}");
        assertThat(badKind.statusCode()).isEqualTo(400);
        assertThat(badKind.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("problem+json"));
        assertThat(write(ws, path, "{\"sentiment\":{\"a\":").statusCode()).isEqualTo(400);
        assertThat(write(ws, path, "[1,2]").statusCode()).isEqualTo(400);
        assertThat(write(ws, path, "{}").statusCode()).isEqualTo(400);
        assertThat(write(ws, path, "").statusCode()).isEqualTo(400);
        assertThat(write(ws, path, "{\"sentiment\":null}").statusCode()).isEqualTo(400);
        StringBuilder many = new StringBuilder("{");
        for (int i = 0; i <= MessageReads.MAX_KINDS_PER_CALL; i++) {
            many.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":").append(i);
        }
        assertThat(write(ws, path, many.append('}').toString()).statusCode()).isEqualTo(400);
        String big = "x".repeat(70_000);
        assertThat(write(ws, path, "{\"sentiment\":1,\"big\":\"" + big + "\"}").statusCode()).isEqualTo(413);
        assertThat(service.count("SELECT count(*) FROM webhook.message_annotations WHERE message_id = ?", id)).isZero();
    }

    @Test
    void writersRacingOnTheSameNewAnnotationsAllSucceedWithOneRowEach() throws Exception {
        long id = janeMessages.get(0);
        for (int round = 0; round < 5; round++) {
            String kinds = "{\"race-a" + round + "\":{\"v\":1},\"race-b" + round + "\":\"same\"}";
            String single = "/messages/" + id + "/annotations/race-c" + round;
            List<java.util.concurrent.Callable<Integer>> calls = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                calls.add(() -> write(ws, "/messages/" + id + "/annotations", kinds).statusCode());
                calls.add(() -> write(ws, single, "{\"v\":1}").statusCode());
            }
            try (var pool = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
                for (var f : pool.invokeAll(calls)) {
                    assertThat(f.get()).isEqualTo(200);
                }
            }
        }
        assertThat(service.count("SELECT count(*) FROM webhook.message_annotations WHERE message_id = ? AND kind LIKE 'race-%'", id))
                .isEqualTo(15);
    }

    private HttpResponse<String> read(TestWorkspace w, String path) {
        return service.get(path, "Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN,
                "X-Workspace-Id", w.id().toString());
    }

    private HttpResponse<String> write(TestWorkspace w, String path, String body) {
        return service.put(path, body, "Authorization", "Bearer " + RunningWebhookService.SERVICE_TOKEN,
                "X-Workspace-Id", w.id().toString());
    }

    private static List<Long> ids(JsonNode page) {
        List<Long> ids = new ArrayList<>();
        page.get("items").values().forEach(m -> ids.add(m.get("id").getLongValue()));
        return ids;
    }
}
