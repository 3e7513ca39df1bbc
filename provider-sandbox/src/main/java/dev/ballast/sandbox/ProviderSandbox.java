package dev.ballast.sandbox;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.common.Json;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.Executors;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/**
 * The third parties of the local stack and the benches: WireMock with mappings that answer like an OpenAI-compatible
 * API ({@code /ai}), EmailBison ({@code /emailbison}), GHL ({@code /ghl}), Slack ({@code /slack}) and Unipile
 * ({@code /unipile}), and a control API to switch faults on and off while it runs:
 * <pre>
 * POST   :&lt;control&gt;/faults  {"provider":"slack","workspace":"&lt;part of a token&gt;","kind":"http_429","rate":0.1}
 * GET    :&lt;control&gt;/faults  the faults in force
 * DELETE :&lt;control&gt;/faults  all off
 * DELETE :&lt;control&gt;/faults?workspace=&lt;part of a token&gt;  off for that workspace only
 * GET    :&lt;control&gt;/stats   requests served per provider (DELETE resets)
 * GET    :&lt;control&gt;/stats?credential=&lt;part of a token&gt;   that credential's requests per "METHOD /path"
 * </pre>
 * Ports: {@code SANDBOX_PORT} (8090) and {@code SANDBOX_CONTROL_PORT} (8091).
 */
public final class ProviderSandbox implements AutoCloseable {

    private final WireMockServer wireMock;
    private final HttpServer control;
    private final Faults faults = new Faults();
    private final FaultTransformer transformer = new FaultTransformer(faults);

    public ProviderSandbox(int port, int controlPort) throws IOException {
        wireMock = new WireMockServer(options().port(port).usingFilesUnderClasspath("sandbox")
                .disableRequestJournal().containerThreads(200).asynchronousResponseEnabled(true)
                .asynchronousResponseThreads(50).extensions(transformer));
        control = HttpServer.create(new InetSocketAddress(controlPort), 0);
        control.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        control.createContext("/faults", this::faults);
        control.createContext("/stats", this::stats);
    }

    public void start() {
        wireMock.start();
        control.start();
    }

    public int port() {
        return wireMock.port();
    }

    public int controlPort() {
        return control.getAddress().getPort();
    }

    public static void main(String[] args) throws IOException {
        // the stack sets SERVER_PORT for every process it starts
        int port = Integer.parseInt(System.getenv().getOrDefault("SANDBOX_PORT",
                System.getenv().getOrDefault("SERVER_PORT", "8090")));
        int controlPort = Integer.parseInt(System.getenv().getOrDefault("SANDBOX_CONTROL_PORT", "8091"));
        ProviderSandbox sandbox = new ProviderSandbox(port, controlPort);
        sandbox.start();
        Runtime.getRuntime().addShutdownHook(new Thread(sandbox::close, "sandbox-stop"));
        System.out.println("provider-sandbox: providers on http://localhost:" + sandbox.port()
                + "/{ai,emailbison,ghl,slack,unipile}, faults on http://localhost:" + sandbox.controlPort() + "/faults");
    }

    private void faults(HttpExchange exchange) throws IOException {
        try (exchange) {
            switch (exchange.getRequestMethod()) {
                case "GET" -> answer(exchange, 200, Json.write(faults.list()));
                case "DELETE" -> {
                    String workspace = queryValue(exchange, "workspace");
                    if (workspace == null) {
                        faults.clear();
                    } else {
                        faults.clear(workspace);
                    }
                    answer(exchange, 200, Json.write(faults.list()));
                }
                case "POST" -> {
                    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                    try {
                        faults.add(Json.read(body, Fault.class));
                        answer(exchange, 201, Json.write(faults.list()));
                    } catch (RuntimeException e) {
                        answer(exchange, 400, Json.write(Map.of("error", String.valueOf(e.getMessage()))));
                    }
                }
                default -> answer(exchange, 405, "{\"error\":\"method not allowed\"}");
            }
        }
    }

    private void stats(HttpExchange exchange) throws IOException {
        try (exchange) {
            if ("DELETE".equals(exchange.getRequestMethod())) {
                transformer.resetCounts();
            }
            String part = queryValue(exchange, "credential");
            if (part != null) {
                answer(exchange, 200, Json.write(transformer.servedWith(part)));
                return;
            }
            answer(exchange, 200, Json.write(transformer.served()));
        }
    }

    /** The query's only parameter when it is {@code name} and not empty, else null. */
    private static String queryValue(HttpExchange exchange, String name) {
        String query = exchange.getRequestURI().getRawQuery();
        String prefix = name + "=";
        if (query == null || !query.startsWith(prefix) || query.length() == prefix.length()) {
            return null;
        }
        return java.net.URLDecoder.decode(query.substring(prefix.length()), StandardCharsets.UTF_8);
    }

    private static void answer(HttpExchange exchange, int status, String json) throws IOException {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        control.stop(0);
        wireMock.stop();
    }
}
