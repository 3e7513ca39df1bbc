package dev.ballast.bench.insights;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * webhook-service and integrations-service as the bench needs them, on the JDK's HTTP server with a virtual thread
 * per exchange: an LLM call answers after its fixed delay, a message read at once. Far cheaper per call than WireMock,
 * so that on a loaded machine the stand-in's own CPU does not decide the figure. Counts LLM calls per Idempotency-Key.
 */
final class StandIn implements AutoCloseable {

    private static final byte[] MESSAGES = """
            {"items":[{"id":1,"workspaceId":"00000000-0000-0000-0000-000000000001","leadId":1,"provider":"emailbison",
             "externalId":"e1","channel":"email","direction":"inbound","eventType":"reply","subject":"Re: Hello",
             "body":"Yes, Tuesday works.","metadata":{},"receivedAt":"2026-01-02T00:00:00Z"}]}"""
            .getBytes(StandardCharsets.UTF_8);
    private static final byte[] INSIGHT = "{\"insight\":\"interested\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] SYNTHESIS = "{\"synthesis\":\"most are interested\"}".getBytes(StandardCharsets.UTF_8);

    private final HttpServer server;
    private final long delayMs;
    private final Map<String, AtomicLong> callsByKey = new ConcurrentHashMap<>();

    StandIn(long delayMs) throws IOException {
        this.delayMs = delayMs;
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 1024);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** LLM calls seen per Idempotency-Key (the direct reference calls carry none). */
    Map<String, AtomicLong> callsByKey() {
        return callsByKey;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange; InputStream in = exchange.getRequestBody()) {
            in.readAllBytes();
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            if (path.startsWith("/leads/")) {
                body = MESSAGES;
            } else if (path.equals("/ai/lead-insight") || path.equals("/ai/pack-synthesis")) {
                String key = exchange.getRequestHeaders().getFirst("Idempotency-Key");
                if (key != null) {
                    callsByKey.computeIfAbsent(key, k -> new AtomicLong()).incrementAndGet();
                }
                try {
                    Thread.sleep(delayMs);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                body = path.equals("/ai/lead-insight") ? INSIGHT : SYNTHESIS;
            } else {
                exchange.sendResponseHeaders(404, -1);
                return;
            }
            exchange.getResponseHeaders().set("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
