import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The load of bench/integrations/run (JDK only, run as a source file): the same logical calls, a mix of AI
 * sentiment (side-effect free, retried), EmailBison enrichment (a read, retried) and Slack notices (a send, never
 * retried), first straight to the provider sandbox, then through integrations-service, with the sandbox injecting
 * the same faults into both. Prints the figures as "key value" lines for the script.
 *
 * <p>Arguments: serviceUrl sandboxUrl controlUrl serviceToken workspace calls concurrency faultRate warmupCalls
 * serviceStatFile clockTicksPerSecond (the last two: the service process's /proc stat file, to read its CPU time)
 */
public final class IntegrationsLoad {

    record Call(int kind, int index) {
    }

    public static void main(String[] args) throws Exception {
        String service = args[0];
        String sandbox = args[1];
        String control = args[2];
        String token = args[3];
        String workspace = args[4];
        int calls = Integer.parseInt(args[5]);
        int concurrency = Integer.parseInt(args[6]);
        double faultRate = Double.parseDouble(args[7]);
        int warmup = Integer.parseInt(args[8]);
        Path serviceStat = Path.of(args[9]);
        long ticksPerSecond = Long.parseLong(args[10]);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).executor(Executors.newFixedThreadPool(4)).build();
        String run = UUID.randomUUID().toString().substring(0, 8);

        send(http, HttpRequest.newBuilder(URI.create(control + "/faults")).DELETE());
        // warm-up, no faults: the JIT (Micronaut's request path takes tens of thousands of calls to compile), pools,
        // the service's first statements
        phase(http, warmup, concurrency, i -> direct(sandbox, workspace, i));
        phase(http, warmup, concurrency, i -> viaService(service, token, workspace, "warm-" + run, i));

        if (faultRate > 0) {
            // only when asked for: the sandbox reads a rate of 0 as "always"
            send(http, HttpRequest.newBuilder(URI.create(control + "/faults"))
                    .POST(HttpRequest.BodyPublishers.ofString("{\"provider\":\"*\",\"kind\":\"http_500\",\"rate\":" + faultRate + "}")));
        }
        send(http, HttpRequest.newBuilder(URI.create(control + "/stats")).DELETE());
        long[] directMs = phase(http, calls, concurrency, i -> direct(sandbox, workspace, i));
        long directRequests = total(send(http, HttpRequest.newBuilder(URI.create(control + "/stats")).GET()));
        send(http, HttpRequest.newBuilder(URI.create(control + "/stats")).DELETE());
        AtomicInteger ok = new AtomicInteger();
        long ticksBefore = cpuTicks(serviceStat);
        long[] serviceMs = phase(http, calls, concurrency, i -> viaService(service, token, workspace, run, i), ok);
        long serviceTicks = cpuTicks(serviceStat) - ticksBefore;
        long serviceRequests = total(send(http, HttpRequest.newBuilder(URI.create(control + "/stats")).GET()));
        send(http, HttpRequest.newBuilder(URI.create(control + "/faults")).DELETE());

        Arrays.sort(directMs);
        Arrays.sort(serviceMs);
        System.out.println("calls " + calls);
        System.out.println("direct_requests " + directRequests);
        System.out.println("service_requests " + serviceRequests);
        System.out.println("service_2xx " + ok.get());
        System.out.printf("direct_p50_ms %.2f%n", pct(directMs, 50));
        System.out.printf("direct_p99_ms %.2f%n", pct(directMs, 99));
        System.out.printf("service_p50_ms %.2f%n", pct(serviceMs, 50));
        System.out.printf("service_p99_ms %.2f%n", pct(serviceMs, 99));
        System.out.printf("service_cpu_ms_per_call %.2f%n", 1000.0 * serviceTicks / ticksPerSecond / calls);
        System.out.printf("amplification %.3f%n", (double) serviceRequests / calls);
        // the client's executor threads are not daemons
        System.exit(0);
    }

    interface Builder {
        HttpRequest build(int index);
    }

    static long[] phase(HttpClient http, int calls, int concurrency, Builder builder) throws Exception {
        return phase(http, calls, concurrency, builder, new AtomicInteger());
    }

    /** Closed loop: {@code concurrency} workers, each sending its next call when the last is answered. */
    static long[] phase(HttpClient http, int calls, int concurrency, Builder builder, AtomicInteger ok) throws Exception {
        long[] micros = new long[calls];
        AtomicInteger next = new AtomicInteger();
        try (ExecutorService workers = Executors.newFixedThreadPool(concurrency)) {
            List<Future<?>> running = new ArrayList<>();
            for (int w = 0; w < concurrency; w++) {
                running.add(workers.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < calls) {
                        HttpRequest request = builder.build(i);
                        long start = System.nanoTime();
                        try {
                            HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                            if (r.statusCode() / 100 == 2) {
                                ok.incrementAndGet();
                            }
                        } catch (Exception e) {
                            // a reset or refused call still took its time
                        }
                        micros[i] = (System.nanoTime() - start) / 1000;
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        }
        return micros;
    }

    /** Call i straight to the provider: what the service's provider client sends for the same logical call. */
    static HttpRequest direct(String sandbox, String workspace, int i) {
        return switch (i % 4) {
            case 0, 1 -> json(sandbox + "/ai/chat/completions", "Bearer sandbox-ai-" + workspace,
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"reply " + i + "\"}],\"temperature\":0}");
            case 2 -> HttpRequest.newBuilder(URI.create(sandbox + "/emailbison/api/leads/lead" + i + "%40bench.example"))
                    .timeout(Duration.ofSeconds(30)).header("Authorization", "Bearer sandbox-emailbison-" + workspace).GET().build();
            default -> json(sandbox + "/slack/chat.postMessage", "Bearer xoxb-sandbox-" + workspace,
                    "{\"channel\":\"#replies\",\"text\":\"reply " + i + "\"}");
        };
    }

    /** Call i through integrations-service, under a key of its own. */
    static HttpRequest viaService(String service, String token, String workspace, String run, int i) {
        String w = "\"workspaceId\":\"" + workspace + "\"";
        HttpRequest.Builder b = switch (i % 4) {
            case 0, 1 -> post(service + "/ai/sentiment", "{" + w + ",\"messageId\":" + i + ",\"body\":\"reply " + i + "\"}");
            case 2 -> post(service + "/providers/emailbison/enrichment",
                    "{" + w + ",\"leadId\":" + i + ",\"email\":\"lead" + i + "@bench.example\"}");
            default -> post(service + "/notifications/slack", "{" + w + ",\"messageId\":" + i + ",\"text\":\"reply " + i + "\"}");
        };
        return b.header("Authorization", "Bearer " + token).header("X-Workspace-Id", workspace)
                .header("Idempotency-Key", "bench-" + run + "-" + i).build();
    }

    static HttpRequest json(String url, String auth, String body) {
        return post(url, body).header("Authorization", auth).build();
    }

    static HttpRequest.Builder post(String url, String body) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
    }

    static String send(HttpClient http, HttpRequest.Builder b) throws Exception {
        return http.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body();
    }

    /** A process's CPU time so far (user + system), in clock ticks, from its /proc stat line. */
    static long cpuTicks(Path stat) throws Exception {
        String line = Files.readString(stat);
        // the fields after the command name, which is in parentheses and may hold spaces
        String[] f = line.substring(line.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /** Sum of the per-provider counts in the sandbox's /stats answer. */
    static long total(String stats) {
        long sum = 0;
        Matcher m = Pattern.compile("\"(ai|emailbison|ghl|slack|unipile)\"\\s*:\\s*(\\d+)").matcher(stats);
        while (m.find()) {
            sum += Long.parseLong(m.group(2));
        }
        return sum;
    }

    static double pct(long[] sortedMicros, int p) {
        int i = (int) Math.ceil(p / 100.0 * sortedMicros.length) - 1;
        return sortedMicros[Math.max(0, Math.min(i, sortedMicros.length - 1))] / 1000.0;
    }
}
