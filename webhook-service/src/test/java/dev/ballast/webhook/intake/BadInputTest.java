package dev.ballast.webhook.intake;

import dev.ballast.webhook.testing.Deliveries;
import dev.ballast.webhook.testing.RunningWebhookService;
import dev.ballast.webhook.testing.TestWorkspace;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Every kind of unusable body gets a clear 4xx naming the problem, and nothing is stored. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BadInputTest {

    private RunningWebhookService service;
    private TestWorkspace ws;

    @BeforeAll
    void start() {
        service = RunningWebhookService.start();
        ws = service.createWorkspace();
    }

    @AfterAll
    void stop() {
        service.close();
    }

    @Test
    void truncatedJsonIs400() {
        String full = Deliveries.reply(1, "jane@example.com");
        assertProblem(service.post(ws.emailPath(), full.substring(0, full.length() / 2), ws.bearer()), 400,
                "malformed_json", "");
        assertProblem(service.post(ws.ghlPath(), "{\"type\":\"InboundMessage\",", ws.bearer()), 400, "malformed_json", "");
        assertProblem(service.post(ws.emailPath(), "not json at all", ws.bearer()), 400, "malformed_json", "");
        assertProblem(service.post(ws.emailPath(), full.strip() + "}", ws.bearer()), 400, "malformed_json", "");
        assertProblem(service.post(ws.emailPath(), full + " " + full, ws.bearer()), 400, "malformed_json", "");
        assertNothingStored();
    }

    @Test
    void anEmptyBodyIs400() {
        assertProblem(service.post(ws.emailPath(), "", ws.bearer()), 400, "empty_body", "");
        assertProblem(service.post(ws.ghlPath(), "", ws.bearer()), 400, "empty_body", "");
        assertNothingStored();
    }

    @Test
    void aBodyThatIsNotAnObjectIs400() {
        assertProblem(service.post(ws.emailPath(), "[1,2,3]", ws.bearer()), 400, "wrong_type", "");
        assertProblem(service.post(ws.emailPath(), "\"lead_replied\"", ws.bearer()), 400, "wrong_type", "");
        assertNothingStored();
    }

    @Test
    void wrongTypesAndMissingFieldsAre400NamingTheField() {
        String reply = Deliveries.reply(7, "jane@example.com");
        assertProblem(service.post(ws.emailPath(), reply.replace("\"reply\":{\"id\":7", "\"reply\":{\"id\":\"seven\""),
                ws.bearer()), 400, "wrong_type", "/data/reply/id");
        assertProblem(service.post(ws.emailPath(), reply.replace("\"workspace_id\":12", "\"workspace_id\":[12]"),
                ws.bearer()), 400, "wrong_type", "/event/workspace_id");
        assertProblem(service.post(ws.emailPath(), "{\"event\":{\"type\":\"lead_replied\",\"workspace_id\":12}}",
                ws.bearer()), 400, "missing_field", "/data");
        assertProblem(service.post(ws.emailPath(), reply.replace("\"lead\":{\"id\":77,\"email\":\"jane@example.com\"",
                        "\"lead\":{\"id\":77").replace("\"from_email_address\":\"jane@example.com\"", "\"from_email_address\":false"),
                ws.bearer()), 400, "wrong_type", "/data/reply/from_email_address");
        assertProblem(service.post(ws.emailPath(), Deliveries.emailSent(9, "not-an-address"), ws.bearer()), 400,
                "wrong_type", "/data/lead/email");
        assertProblem(service.post(ws.ghlPath(), Deliveries.ghlInbound("m", "c", "b").replace("\"contactId\":\"c\"",
                "\"contactId\":12"), ws.bearer()), 400, "wrong_type", "/contactId");
        assertNothingStored();
        assertThat(service.deliveries(ws.id())).allSatisfy(row -> assertThat(row)
                .containsEntry("outcome", "invalid").containsEntry("http_status", 400));
    }

    @Test
    void aBodyOver256KiBIs413BeforeParsingAndLogged() {
        String padding = "x".repeat(300 * 1024);
        String big = Deliveries.reply(8, "jane@example.com").replace("Sounds good", padding);
        HttpResponse<String> r = service.post(ws.emailPath(), big, ws.bearer());
        assertProblem(r, 413, "body_too_large", null);
        // Not even parsed: the same size of garbage gets the same answer.
        assertProblem(service.post(ws.emailPath(), "{" + padding, ws.bearer()), 413, "body_too_large", null);
        assertNothingStored();
        await().atMost(Duration.ofSeconds(10)).until(() -> service.count(
                "SELECT count(*) FROM webhook.webhook_deliveries WHERE workspace_id = ? AND outcome = 'too_large'", ws.id()) == 2);
    }

    @Test
    void aChunkedBodyWithoutALengthIsRefusedOnceOverTheLimitWhileTheSenderIsStillSending() throws Exception {
        try (Socket socket = new Socket(service.base().getHost(), service.base().getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST " + ws.emailPath() + " HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                    + "Authorization: " + ws.bearer()[1] + "\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            byte[] chunk = ("{\"padding\":\"" + "x".repeat(32 * 1024)).getBytes(StandardCharsets.US_ASCII);
            // 320 KiB, over the 256 KiB limit, and never the last chunk: a service that waits for the whole body hangs
            for (int i = 0; i < 10; i++) {
                out.write((Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
                out.write(chunk);
                out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
            }
            out.flush();
            String statusLine = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.US_ASCII)).readLine();
            assertThat(statusLine).startsWith("HTTP/1.1 413");
        }
        assertNothingStored();
    }

    @Test
    void aBodyJustUnderTheLimitIsAccepted() {
        TestWorkspace other = service.createWorkspace();
        String base = Deliveries.reply(9, "jane@example.com");
        String body = base.replace("Sounds good", "y".repeat(256 * 1024 - base.length() + "Sounds good".length()));
        assertThat(body.length()).isEqualTo(256 * 1024);
        assertThat(service.post(other.emailPath(), body, other.bearer()).statusCode()).isEqualTo(200);
    }

    @Test
    void theBodyIsReadWhateverTheContentType() {
        TestWorkspace other = service.createWorkspace();
        HttpResponse<String> r = service.post(other.emailPath(), Deliveries.reply(10, "j@x.example"),
                java.util.stream.Stream.concat(java.util.Arrays.stream(other.bearer()),
                        java.util.stream.Stream.of("Content-Type", "text/plain")).toArray(String[]::new));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    }

    private void assertProblem(HttpResponse<String> r, int status, String reason, String pointer) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        JsonNode problem = service.json(r);
        assertThat(problem.get("reason").getStringValue()).isEqualTo(reason);
        if (pointer != null) {
            assertThat(problem.get("pointer").getStringValue()).isEqualTo(pointer);
            assertThat(problem.get("detail").getStringValue()).contains(pointer.isEmpty() ? "" : pointer);
        }
    }

    private void assertNothingStored() {
        assertThat(service.messages(ws.id())).isZero();
        assertThat(service.leads(ws.id())).isZero();
        assertThat(service.outboxRows(ws.id())).isZero();
        assertThat(service.count("SELECT count(*) FROM webhook.webhook_deliveries WHERE workspace_id = ? "
                + "AND outcome IN ('accepted', 'duplicate')", ws.id())).isZero();
    }

}
