package dev.ballast.resilience.http;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import io.micronaut.http.client.exceptions.ResponseClosedException;

import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.PortUnreachableException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Sorts a failed Micronaut HTTP client call into an {@link AbortClass}, by looking through the exception and its
 * causes. Pure and allocation-free, so it can run on every failure and in a benchmark.
 *
 * <p>This sees only the exception. Whether the caller went away or we are stopping is known to
 * {@link ClientCallPolicy}, which overrides the class in those cases: a caller that cancels leaves no exception
 * behind, and a connection closed by our own shutdown looks like a reset from here.
 */
public final class AbortClassifier {

    private static final int MAX_DEPTH = 8;

    private AbortClassifier() {
    }

    /**
     * The abort class of {@code failure}, or {@code null} when it is not an abort: an HTTP error status (see
     * {@link HttpClientResponseException}) or a failure we do not recognise, neither of which this classifies.
     */
    @Nullable
    public static AbortClass classify(@Nullable Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < MAX_DEPTH; depth++) {
            AbortClass c = classifyOne(t);
            if (c != null) {
                return c;
            }
            Throwable cause = t.getCause();
            if (cause == t) {
                break;
            }
            t = cause;
        }
        return null;
    }

    @Nullable
    private static AbortClass classifyOne(Throwable t) {
        if (t instanceof HttpClientResponseException) {
            // a status arrived; the retry matrix reads the status, not an abort class
            return null;
        }
        if (t instanceof CallAbortedException aborted) {
            return aborted.abortClass();
        }
        if (t instanceof ReadTimeoutException
            || t instanceof io.netty.handler.timeout.ReadTimeoutException
            || t instanceof SocketTimeoutException
            || t instanceof TimeoutException) {
            return AbortClass.TIMEOUT;
        }
        // netty's ConnectTimeoutException and AnnotatedConnectException are ConnectExceptions
        if (t instanceof ConnectException
            || t instanceof NoRouteToHostException
            || t instanceof PortUnreachableException
            || t instanceof UnknownHostException) {
            return AbortClass.CONNECT_FAILED;
        }
        if (t instanceof InterruptedException
            || t instanceof CancellationException
            || t instanceof InterruptedIOException) {
            return AbortClass.CALLER_CANCELLED;
        }
        if (t instanceof RejectedExecutionException) {
            // an executor or event loop that no longer takes work: we are stopping
            return AbortClass.SHUTDOWN;
        }
        if (t instanceof ResponseClosedException
            || t instanceof io.micronaut.http.exceptions.ConnectionClosedException
            || t instanceof ClosedChannelException
            || t instanceof EOFException
            || t instanceof SocketException
            || t instanceof io.netty.handler.codec.PrematureChannelClosureException) {
            return AbortClass.CONNECTION_RESET;
        }
        if (t instanceof IOException) {
            // transport errors that reach the client are the connection failing mid-exchange ("Connection
            // reset by peer", "Broken pipe" from netty's native transport)
            return AbortClass.CONNECTION_RESET;
        }
        if (t instanceof io.micronaut.http.client.exceptions.HttpClientException && t.getCause() == null) {
            return classifyMicronautMessage(t.getMessage());
        }
        return null;
    }

    /**
     * Micronaut 4 raises a few client failures without a cause; their messages (possibly prefixed with
     * {@code Client 'id': }) are all there is to go on.
     */
    @Nullable
    private static AbortClass classifyMicronautMessage(@Nullable String message) {
        if (message == null) {
            return null;
        }
        if (message.contains("The client is closed")) {
            return AbortClass.SHUTDOWN;
        }
        if (message.contains("Cannot acquire connection") || message.contains("Unknown connect error")) {
            // the pool refused before anything was written
            return AbortClass.CONNECT_FAILED;
        }
        return null;
    }
}
