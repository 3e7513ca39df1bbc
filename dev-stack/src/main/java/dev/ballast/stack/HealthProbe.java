package dev.ballast.stack;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Asks a service's {@code /health/readiness}: 200 when migrated and the database answers, 503 otherwise. */
final class HealthProbe implements AutoCloseable {

    /** @param label what the status table shows */
    record Health(String label, boolean ready) {
        static final Health UP = new Health("UP", true);
        static final Health NOT_READY = new Health("NOT READY", false);
        static final Health NO_ANSWER = new Health("NO ANSWER", false);
        static final Health STOPPED = new Health("STOPPED", false);
    }

    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofMillis(500))
            .build();

    Health readiness(int port) {
        // 127.0.0.1 rather than localhost: no IPv6-first resolution detour on every probe.
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/health/readiness"))
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        try {
            int status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
            return switch (status) {
                case 200 -> Health.UP;
                case 503 -> Health.NOT_READY;
                default -> new Health("HTTP " + status, false);
            };
        } catch (IOException e) {
            return Health.NO_ANSWER;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Health.NO_ANSWER;
        }
    }

    @Override
    public void close() {
        client.close();
    }
}
