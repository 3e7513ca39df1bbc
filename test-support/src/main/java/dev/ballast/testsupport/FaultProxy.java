package dev.ballast.testsupport;

import org.netcrusher.core.reactor.NioReactor;
import org.netcrusher.tcp.TcpCrusher;
import org.netcrusher.tcp.TcpCrusherBuilder;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;

/**
 * A TCP proxy (NetCrusher) that tests put between a service and PostgreSQL to cut, freeze and restore
 * connectivity for real.
 */
public final class FaultProxy implements AutoCloseable {

    private final NioReactor reactor;
    private final TcpCrusher crusher;
    private final int port;

    private FaultProxy(NioReactor reactor, TcpCrusher crusher, int port) {
        this.reactor = reactor;
        this.crusher = crusher;
        this.port = port;
    }

    /** Listens on a free loopback port and forwards to the target. */
    public static FaultProxy forward(String targetHost, int targetPort) {
        try {
            int port = freePort();
            NioReactor reactor = new NioReactor();
            TcpCrusher crusher = TcpCrusherBuilder.builder()
                    .withReactor(reactor)
                    .withBindAddress("127.0.0.1", port)
                    .withConnectAddress(targetHost, targetPort)
                    .buildAndOpen();
            return new FaultProxy(reactor, crusher, port);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start fault proxy", e);
        }
    }

    /** A proxy in front of a test database. */
    public static FaultProxy in(TestDatabase db) {
        return forward(db.host(), db.port());
    }

    public int port() {
        return port;
    }

    /** Drops every live connection and refuses new ones, as a crashed or unreachable server would. */
    public synchronized void cut() {
        if (crusher.isOpen()) {
            crusher.close();
        }
    }

    /** Keeps connections open but lets no byte through, as a partitioned network would. */
    public synchronized void freeze() {
        if (crusher.isOpen() && !crusher.isFrozen()) {
            crusher.freeze();
        }
    }

    /** Lets traffic through again after {@link #cut()} or {@link #freeze()}. */
    public synchronized void restore() {
        if (!crusher.isOpen()) {
            crusher.open();
        } else if (crusher.isFrozen()) {
            crusher.unfreeze();
        }
    }

    @Override
    public synchronized void close() {
        crusher.close();
        reactor.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }
}
