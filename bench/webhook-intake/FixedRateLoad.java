import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop, constant-rate load for bench/webhook-intake (Debian's wrk has no wrk2 {@code -R}).
 *
 * <p>Request i is due at start + i / rate. A scheduler thread starts each request at its due time on a virtual
 * thread, whether or not earlier ones have finished, and latency is measured from the DUE time to the end of the
 * response (as wrk2 does), so a server stall is charged to every request that should have been sent during it:
 * no coordinated omission. The first {@code warmupSeconds} run at the same rate and are not recorded (the client
 * JVM warms up too). Everything is bounded: {@code rate * (warmup + duration)} requests, at most
 * {@code maxInFlight} at once (waiting for a slot still counts against the request's latency), and a hard
 * deadline after which unfinished requests count as failures.
 *
 * <p>Every request is a new EmailBison lead_replied delivery (reply id = idBase + i). Prints key=value lines:
 * FIXED_SENT, FIXED_ACCEPTED, FIXED_OTHER, FIXED_RECORDED, FIXED_P50_MS, FIXED_P90_MS, FIXED_P99_MS,
 * FIXED_P999_MS, FIXED_MAX_MS, FIXED_ACHIEVED_RPS, FIXED_MAX_LATE_START_MS.
 *
 * <p>Usage: java FixedRateLoad.java baseUrl workspaceId token providerWs leads rate durationS warmupS idBase maxInFlight
 */
public final class FixedRateLoad {

    private static final String TEMPLATE = """
            {"event":{"type":"lead_replied","name":"Lead Replied","instance_url":"https://app.emailbison.com",\
            "workspace_id":%s,"workspace_name":"Bench"},\
            "data":{"reply":{"id":%d,"uuid":"bench-%d","email_subject":"Re: our call",\
            "from_name":"Lead %d","from_email_address":"lead%d@bench.example",\
            "primary_to_email_address":"sales@ourco.example",\
            "text_body":"Sounds good, call me tomorrow.","html_body":"<p>Sounds good, call me tomorrow.</p>",\
            "date_received":"2025-01-15T10:00:00.000000Z","interested":false,"automated_reply":false},\
            "lead":{"id":%d,"email":"lead%d@bench.example","first_name":"Lead","last_name":"%d"},\
            "campaign":{"id":5,"name":"Q1 outreach"},"sender_email":{"id":3,"email":"sales@ourco.example"}}}""";

    public static void main(String[] args) throws Exception {
        if (args.length != 10) {
            System.err.println("usage: FixedRateLoad baseUrl workspaceId token providerWs leads rate durationS warmupS idBase maxInFlight");
            System.exit(2);
        }
        String baseUrl = args[0];
        String workspace = args[1];
        String token = args[2];
        String providerWs = args[3];
        int leads = Integer.parseInt(args[4]);
        double rate = Double.parseDouble(args[5]);
        int durationS = Integer.parseInt(args[6]);
        int warmupS = Integer.parseInt(args[7]);
        long idBase = Long.parseLong(args[8]);
        int maxInFlight = Integer.parseInt(args[9]);
        if (rate <= 0 || durationS <= 0 || warmupS < 0 || maxInFlight <= 0) {
            throw new IllegalArgumentException("rate, duration and maxInFlight must be positive");
        }

        int warmupCount = (int) Math.round(rate * warmupS);
        int total = warmupCount + (int) Math.round(rate * durationS);
        long periodNanos = (long) (1e9 / rate);
        URI uri = URI.create(baseUrl + "/webhooks/email/" + workspace);

        ExecutorService clientExecutor = Executors.newVirtualThreadPerTaskExecutor();
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2)).executor(clientExecutor).build();

        long[] latencyNanos = new long[total];
        Arrays.fill(latencyNanos, -1);
        AtomicLong accepted = new AtomicLong();
        AtomicLong other = new AtomicLong();
        AtomicReference<String> firstOther = new AtomicReference<>();
        Semaphore slots = new Semaphore(maxInFlight);
        long maxLateStart = 0;

        ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor();
        long start = System.nanoTime() + 100_000_000L;
        for (int i = 0; i < total; i++) {
            long due = start + i * periodNanos;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            maxLateStart = Math.max(maxLateStart, System.nanoTime() - due);
            final int n = i;
            long replyId = idBase + i;
            int lead = (int) (Math.floorMod(replyId * 7919L, (long) leads) + 1);
            String body = TEMPLATE.formatted(providerWs, replyId, replyId, lead, lead, lead, lead, lead);
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            workers.execute(() -> {
                boolean ok = false;
                String failure = null;
                try {
                    // A missing slot delays the send; the latency still runs from the due time.
                    if (!slots.tryAcquire(10, TimeUnit.SECONDS)) {
                        failure = "no free slot (more than " + maxInFlight + " in flight for 10 s)";
                    } else {
                        try {
                            HttpResponse<String> r = client.send(request, HttpResponse.BodyHandlers.ofString());
                            ok = r.statusCode() == 200 && r.body().contains("\"status\":\"accepted\"");
                            if (!ok) {
                                failure = r.statusCode() + " " + r.body();
                            }
                        } finally {
                            slots.release();
                        }
                    }
                } catch (Exception e) {
                    failure = e.toString();
                }
                latencyNanos[n] = System.nanoTime() - due;
                if (ok) {
                    accepted.incrementAndGet();
                } else {
                    other.incrementAndGet();
                    firstOther.compareAndSet(null, failure);
                }
            });
        }
        workers.shutdown();
        long sendEnd = System.nanoTime();
        if (!workers.awaitTermination(30, TimeUnit.SECONDS)) {
            System.err.println("fixed-rate: requests still unfinished 30 s after the last send; counted as failures");
        }
        long done = accepted.get() + other.get();
        long unfinished = total - done;

        long[] recorded = Arrays.stream(latencyNanos, warmupCount, total).filter(v -> v >= 0).sorted().toArray();
        double achieved = (total - warmupCount) / ((sendEnd - (start + warmupCount * periodNanos)) / 1e9);
        System.out.printf("FIXED_SENT %d%n", total);
        System.out.printf("FIXED_ACCEPTED %d%n", accepted.get());
        System.out.printf("FIXED_OTHER %d%n", other.get() + unfinished);
        System.out.printf("FIXED_RECORDED %d%n", recorded.length);
        System.out.printf("FIXED_P50_MS %.2f%n", pct(recorded, 50));
        System.out.printf("FIXED_P90_MS %.2f%n", pct(recorded, 90));
        System.out.printf("FIXED_P99_MS %.2f%n", pct(recorded, 99));
        System.out.printf("FIXED_P999_MS %.2f%n", pct(recorded, 99.9));
        System.out.printf("FIXED_MAX_MS %.2f%n", recorded.length == 0 ? 0 : recorded[recorded.length - 1] / 1e6);
        System.out.printf("FIXED_ACHIEVED_RPS %.1f%n", achieved);
        System.out.printf("FIXED_MAX_LATE_START_MS %.2f%n", maxLateStart / 1e6);
        if (firstOther.get() != null) {
            System.out.println("FIXED_FIRST_OTHER " + firstOther.get().replace('\n', ' '));
        }
        clientExecutor.shutdownNow();
        System.exit(0);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e6;
    }
}
