import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop, constant-rate load for bench/webhook-intake: what wrk2's {@code -R} does, which Debian's wrk lacks.
 *
 * <p>Request i is due at start + i / rate. A fixed set of keep-alive HTTP/1.1 connections (as many as wrk used),
 * each driven by a virtual thread, take the next request index, wait for its due time, send it and read the
 * answer. Latency is measured from the DUE time to the end of the answer, so when the server stalls, or every
 * connection is busy, the wait is charged to each request that should have gone out meanwhile: no coordinated
 * omission. Plain sockets rather than java.net.http.HttpClient: on a 2-CPU machine the load generator shares the
 * CPUs with the service, and HttpClient costs several times more CPU per request (it skewed a first version).
 *
 * <p>The first {@code warmupSeconds} run at the same rate and are not recorded. Bounded: exactly
 * {@code rate * (warmup + duration)} requests, a 10 s socket timeout, and a hard deadline; unfinished requests
 * count as failures. Every request is a new EmailBison lead_replied delivery (reply id = idBase + i).
 *
 * <p>Prints FIXED_* lines (SENT, ACCEPTED, OTHER, RECORDED, P50/P90/P99/P999/MAX_MS, ACHIEVED_RPS,
 * CLIENT_CPU_MS, FIRST_OTHER). Usage:
 * {@code java FixedRateLoad.java host port workspaceId token providerWs leads rate durationS warmupS idBase connections}
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
    private static final byte[] ACCEPTED = "\"status\":\"accepted\"".getBytes(StandardCharsets.US_ASCII);

    public static void main(String[] args) throws Exception {
        if (args.length != 11) {
            System.err.println("usage: FixedRateLoad host port workspaceId token providerWs leads rate durationS warmupS idBase connections");
            System.exit(2);
        }
        String host = args[0];
        int port = Integer.parseInt(args[1]);
        String workspace = args[2];
        String token = args[3];
        String providerWs = args[4];
        int leads = Integer.parseInt(args[5]);
        double rate = Double.parseDouble(args[6]);
        int durationS = Integer.parseInt(args[7]);
        int warmupS = Integer.parseInt(args[8]);
        long idBase = Long.parseLong(args[9]);
        int connections = Integer.parseInt(args[10]);
        if (rate <= 0 || durationS <= 0 || warmupS < 0 || connections <= 0 || leads <= 0) {
            throw new IllegalArgumentException("rate, duration, leads and connections must be positive");
        }

        int warmupCount = (int) Math.round(rate * warmupS);
        int total = warmupCount + (int) Math.round(rate * durationS);
        double periodNanos = 1e9 / rate;
        String head = "POST /webhooks/email/" + workspace + " HTTP/1.1\r\nHost: " + host + ":" + port
                + "\r\nAuthorization: Bearer " + token + "\r\nContent-Type: application/json\r\nContent-Length: ";

        long[] latencyNanos = new long[total];
        Arrays.fill(latencyNanos, -1);
        AtomicInteger next = new AtomicInteger();
        AtomicLong accepted = new AtomicLong();
        AtomicLong other = new AtomicLong();
        AtomicReference<String> firstOther = new AtomicReference<>();
        long start = System.nanoTime() + 200_000_000L;
        long hardDeadline = start + (long) ((warmupS + durationS + 30) * 1e9);

        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            threads.add(Thread.ofVirtual().start(() -> {
                Connection conn = null;
                int i;
                while ((i = next.getAndIncrement()) < total) {
                    long due = start + (long) (i * periodNanos);
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    if (System.nanoTime() > hardDeadline) {
                        other.incrementAndGet();
                        firstOther.compareAndSet(null, "hard deadline passed before the request could be sent");
                        continue;
                    }
                    long replyId = idBase + i;
                    int lead = (int) (Math.floorMod(replyId * 7919L, (long) leads) + 1);
                    byte[] body = TEMPLATE.formatted(providerWs, replyId, replyId, lead, lead, lead, lead, lead)
                            .getBytes(StandardCharsets.UTF_8);
                    String failure;
                    try {
                        if (conn == null) {
                            conn = new Connection(host, port);
                        }
                        failure = conn.exchange((head + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII), body);
                    } catch (IOException e) {
                        failure = e.toString();
                        if (conn != null) {
                            conn.close();
                        }
                        conn = null;
                    }
                    latencyNanos[i] = System.nanoTime() - due;
                    if (failure == null) {
                        accepted.incrementAndGet();
                    } else {
                        other.incrementAndGet();
                        firstOther.compareAndSet(null, failure);
                    }
                }
                if (conn != null) {
                    conn.close();
                }
            }));
        }
        for (Thread t : threads) {
            t.join(Math.max(1, (hardDeadline - System.nanoTime()) / 1_000_000 + 15_000));
        }
        long end = System.nanoTime();
        long finished = accepted.get() + other.get();

        long[] recorded = Arrays.stream(latencyNanos, warmupCount, total).filter(v -> v >= 0).sorted().toArray();
        long measuredStart = start + (long) (warmupCount * periodNanos);
        long cpuNanos = ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
        System.out.printf("FIXED_SENT %d%n", total);
        System.out.printf("FIXED_ACCEPTED %d%n", accepted.get());
        System.out.printf("FIXED_OTHER %d%n", other.get() + (total - finished));
        System.out.printf("FIXED_RECORDED %d%n", recorded.length);
        System.out.printf("FIXED_P50_MS %.2f%n", pct(recorded, 50));
        System.out.printf("FIXED_P90_MS %.2f%n", pct(recorded, 90));
        System.out.printf("FIXED_P99_MS %.2f%n", pct(recorded, 99));
        System.out.printf("FIXED_P999_MS %.2f%n", pct(recorded, 99.9));
        System.out.printf("FIXED_MAX_MS %.2f%n", recorded.length == 0 ? 0 : recorded[recorded.length - 1] / 1e6);
        System.out.printf("FIXED_ACHIEVED_RPS %.1f%n", (total - warmupCount) / ((end - measuredStart) / 1e9));
        System.out.printf("FIXED_CLIENT_CPU_MS %d%n", cpuNanos / 1_000_000);
        if (firstOther.get() != null) {
            System.out.println("FIXED_FIRST_OTHER " + firstOther.get().replace('\n', ' ').replace('\r', ' '));
        }
        System.exit(0);
    }

    private static double pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))] / 1e6;
    }

    /** One keep-alive HTTP/1.1 connection; just enough of HTTP for this service's answers. */
    private static final class Connection {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;

        Connection(String host, int port) throws IOException {
            socket = new Socket();
            socket.setTcpNoDelay(true);
            socket.setSoTimeout(10_000);
            socket.connect(new InetSocketAddress(host, port), 2_000);
            in = new BufferedInputStream(socket.getInputStream(), 8192);
            out = new BufferedOutputStream(socket.getOutputStream(), 8192);
        }

        /** Sends one request; null when the answer is 200 with "status":"accepted", else what it was. */
        String exchange(byte[] head, byte[] body) throws IOException {
            out.write(head);
            out.write(body);
            out.flush();
            String status = line();
            int contentLength = -1;
            boolean chunked = false;
            String h;
            while (!(h = line()).isEmpty()) {
                int colon = h.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String name = h.substring(0, colon).trim();
                String value = h.substring(colon + 1).trim();
                if (name.equalsIgnoreCase("content-length")) {
                    contentLength = Integer.parseInt(value);
                } else if (name.equalsIgnoreCase("transfer-encoding") && value.equalsIgnoreCase("chunked")) {
                    chunked = true;
                }
            }
            byte[] answer;
            if (chunked) {
                ByteArrayOutputStream all = new ByteArrayOutputStream();
                int size;
                while ((size = Integer.parseInt(line().split(";")[0].trim(), 16)) > 0) {
                    all.write(in.readNBytes(size));
                    line();
                }
                line();
                answer = all.toByteArray();
            } else if (contentLength >= 0) {
                answer = in.readNBytes(contentLength);
            } else {
                throw new IOException("answer without length: " + status);
            }
            if (status.startsWith("HTTP/1.1 200 ") && contains(answer, ACCEPTED)) {
                return null;
            }
            return status + " " + new String(answer, StandardCharsets.UTF_8);
        }

        private String line() throws IOException {
            StringBuilder sb = new StringBuilder(64);
            int b;
            while ((b = in.read()) != '\n') {
                if (b < 0) {
                    throw new IOException("connection closed by the server");
                }
                if (b != '\r') {
                    sb.append((char) b);
                }
            }
            return sb.toString();
        }

        private static boolean contains(byte[] hay, byte[] needle) {
            outer:
            for (int i = 0; i + needle.length <= hay.length; i++) {
                for (int j = 0; j < needle.length; j++) {
                    if (hay[i + j] != needle[j]) {
                        continue outer;
                    }
                }
                return true;
            }
            return false;
        }

        void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // closing anyway
            }
        }
    }
}
