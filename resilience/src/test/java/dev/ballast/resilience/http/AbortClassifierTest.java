package dev.ballast.resilience.http;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.client.exceptions.HttpClientException;
import io.micronaut.http.client.exceptions.HttpClientResponseException;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import io.micronaut.http.client.exceptions.ResponseClosedException;
import io.netty.channel.ConnectTimeoutException;
import org.junit.jupiter.api.Test;
import reactor.core.Exceptions;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;

import static org.assertj.core.api.Assertions.assertThat;

class AbortClassifierTest {

    @Test
    void timeoutsAreOurDeadlineFiring() {
        assertThat(AbortClassifier.classify(ReadTimeoutException.TIMEOUT_EXCEPTION)).isEqualTo(AbortClass.TIMEOUT);
        assertThat(AbortClassifier.classify(io.netty.handler.timeout.ReadTimeoutException.INSTANCE)).isEqualTo(AbortClass.TIMEOUT);
        assertThat(AbortClassifier.classify(new SocketTimeoutException("Read timed out"))).isEqualTo(AbortClass.TIMEOUT);
        assertThat(AbortClassifier.classify(new CallAbortedException(AbortClass.TIMEOUT, "no response within 50 ms"))).isEqualTo(AbortClass.TIMEOUT);
    }

    @Test
    void connectionsThatNeverOpenedAreConnectFailed() {
        assertThat(AbortClassifier.classify(new HttpClientException("Connect Error: Connection refused", new ConnectException("Connection refused"))))
            .isEqualTo(AbortClass.CONNECT_FAILED);
        // a connect timeout is a ConnectException in netty, not a read timeout: nothing was sent
        assertThat(AbortClassifier.classify(new HttpClientException("Connect Error", new ConnectTimeoutException("connection timed out"))))
            .isEqualTo(AbortClass.CONNECT_FAILED);
        assertThat(AbortClassifier.classify(new UnknownHostException("jobs"))).isEqualTo(AbortClass.CONNECT_FAILED);
        assertThat(AbortClassifier.classify(new HttpClientException("Cannot acquire connection, exceeded max pending acquires configuration")))
            .isEqualTo(AbortClass.CONNECT_FAILED);
    }

    @Test
    void connectionsLostMidRequestAreConnectionReset() {
        assertThat(AbortClassifier.classify(new ResponseClosedException("Connection closed before response was received")))
            .isEqualTo(AbortClass.CONNECTION_RESET);
        assertThat(AbortClassifier.classify(new HttpClientException("Error occurred reading HTTP response: Connection reset", new SocketException("Connection reset"))))
            .isEqualTo(AbortClass.CONNECTION_RESET);
        assertThat(AbortClassifier.classify(new IOException("Connection reset by peer"))).isEqualTo(AbortClass.CONNECTION_RESET);
        assertThat(AbortClassifier.classify(new ClosedChannelException())).isEqualTo(AbortClass.CONNECTION_RESET);
    }

    @Test
    void anAbortIsLookedForEightCausesDeepAndNoFurther() {
        Throwable withinReach = new CancellationException();
        for (int i = 0; i < 7; i++) {
            withinReach = new IllegalStateException("wrapper " + i, withinReach);
        }
        assertThat(AbortClassifier.classify(withinReach)).isEqualTo(AbortClass.CALLER_CANCELLED);
        assertThat(AbortClassifier.classify(new IllegalStateException("one more wrapper", withinReach))).isNull();
    }

    @Test
    void aCallerThatWentAwayIsCallerCancelledNotTimeout() {
        assertThat(AbortClassifier.classify(Exceptions.propagate(new InterruptedException()))).isEqualTo(AbortClass.CALLER_CANCELLED);
        assertThat(AbortClassifier.classify(new CancellationException())).isEqualTo(AbortClass.CALLER_CANCELLED);
        assertThat(AbortClassifier.classify(new CompletionException(new CancellationException()))).isEqualTo(AbortClass.CALLER_CANCELLED);
        assertThat(AbortClassifier.classify(new CallAbortedException(AbortClass.CALLER_CANCELLED, "caller went away")))
            .isEqualTo(AbortClass.CALLER_CANCELLED);
    }

    @Test
    void aStoppingApplicationIsShutdown() {
        assertThat(AbortClassifier.classify(new RejectedExecutionException("event executor terminated"))).isEqualTo(AbortClass.SHUTDOWN);
        HttpClientException closed = new HttpClientException("The client is closed, unable to send request.");
        closed.setServiceId("jobs");
        assertThat(AbortClassifier.classify(closed)).isEqualTo(AbortClass.SHUTDOWN);
        assertThat(AbortClassifier.classify(new CallAbortedException(AbortClass.SHUTDOWN, "shutting down"))).isEqualTo(AbortClass.SHUTDOWN);
    }

    @Test
    void responsesAndUnknownFailuresAreNotAborts() {
        assertThat(AbortClassifier.classify(new HttpClientResponseException("Service Unavailable", HttpResponse.status(HttpStatus.SERVICE_UNAVAILABLE))))
            .isNull();
        assertThat(AbortClassifier.classify(new IllegalStateException("bug"))).isNull();
        assertThat(AbortClassifier.classify(new HttpClientException("Failed to construct the request URI"))).isNull();
        assertThat(AbortClassifier.classify(null)).isNull();
    }

    @Test
    void aCauseCycleDoesNotLoopForever() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertThat(AbortClassifier.classify(a)).isNull();
    }
}
