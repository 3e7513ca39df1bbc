package dev.ballast.webhook.outbox;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An HTTP hop between the relay and the real jobs-service, as a load balancer would be: it forwards every call
 * unchanged, records the dedupe keys each call carried, and can hold answers back after jobs-service has given them
 * (so that the relay's read timeout fires after jobs-service committed). When jobs-service is down it answers 502.
 */
final class JobsServiceGate implements AutoCloseable {

    private static final Pattern KEY = Pattern.compile("\"dedupeKey\":\"([^\"]+)\"");
    private static final List<String> FORWARDED = List.of("Authorization", "Content-Type", "Idempotency-Key",
            "X-Ballast-Deadline-Ms");

    /** One call as it passed: the keys it carried and the status jobs-service answered (502: unreachable). */
    record Call(List<String> keys, int status) {
    }

    private final String upstream;
    private final HttpServer server;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1).build();
    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger toHold = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);
    private volatile Duration hold = Duration.ZERO;

    JobsServiceGate(String upstream) {
        this.upstream = upstream;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::forward);
        server.start();
    }

    String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** The next {@code answers} answers reach the relay only {@code by} after jobs-service gave them. */
    void holdAnswers(int answers, Duration by) {
        hold = by;
        toHold.set(answers);
    }

    List<Call> calls() {
        return new ArrayList<>(calls);
    }

    private void forward(HttpExchange exchange) throws IOException {
        byte[] body = exchange.getRequestBody().readAllBytes();
        List<String> keys = new ArrayList<>();
        Matcher m = KEY.matcher(new String(body, java.nio.charset.StandardCharsets.UTF_8));
        while (m.find()) {
            keys.add(m.group(1));
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(upstream + exchange.getRequestURI()))
                .timeout(Duration.ofSeconds(30))
                .method(exchange.getRequestMethod(), HttpRequest.BodyPublishers.ofByteArray(body));
        for (String name : FORWARDED) {
            String value = exchange.getRequestHeaders().getFirst(name);
            if (value != null) {
                request.header(name, value);
            }
        }
        int status;
        byte[] answer;
        String type = "application/json";
        try {
            HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
            status = r.statusCode();
            answer = r.body();
            type = r.headers().firstValue("Content-Type").orElse(type);
        } catch (IOException e) {
            status = 502;
            answer = new byte[0];
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        calls.add(new Call(List.copyOf(keys), status));
        if (toHold.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            try {
                // jobs-service has answered (and committed); the relay hears of it too late, if at all
                closed.await(hold.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        try (OutputStream out = exchange.getResponseBody()) {
            exchange.getResponseHeaders().set("Content-Type", type);
            exchange.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
            if (answer.length > 0) {
                out.write(answer);
            }
        } catch (IOException e) {
            // the relay gave up waiting and closed the connection: that is the point of holding the answer
        }
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }
}
