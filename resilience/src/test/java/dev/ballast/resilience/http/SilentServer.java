package dev.ballast.resilience.http;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP server that reads each request and never answers, and counts the connections its client closed. It shows
 * what WireMock's serve log cannot: that a call the client gave up on was really abandoned on the wire, rather than
 * left running while the caller was told it had ended.
 */
final class SilentServer implements AutoCloseable {

    private final ServerSocket server;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger closedByClient = new AtomicInteger();
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    SilentServer() throws IOException {
        server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().name("silent-server").start(this::accept);
    }

    String url() {
        return "http://127.0.0.1:" + server.getLocalPort();
    }

    /** Requests whose headers arrived. */
    int requests() {
        return requests.get();
    }

    /** Connections the client closed (or reset) while waiting for an answer. */
    int closedByClient() {
        return closedByClient.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                open.add(socket);
                Thread.ofVirtual().start(() -> serve(socket));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket socket) {
        try (socket; InputStream in = socket.getInputStream()) {
            int matched = 0;
            int b;
            // the request's head ends at the first empty line; a GET has no body
            while (matched < 4 && (b = in.read()) >= 0) {
                matched = (b == '\r' || b == '\n') ? (b == "\r\n\r\n".charAt(matched) ? matched + 1 : 0) : 0;
            }
            if (matched < 4) {
                return;
            }
            requests.incrementAndGet();
            while (in.read() >= 0) {
                // a pipelined byte or nothing: wait for the client to give up
            }
            closedByClient.incrementAndGet();
        } catch (IOException e) {
            if (!server.isClosed()) {
                closedByClient.incrementAndGet();
            }
        } finally {
            open.remove(socket);
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
