package dev.ballast.bench.resilience;

import dev.ballast.resilience.db.DbFailureClassifier;
import dev.ballast.resilience.http.AbortClass;
import dev.ballast.resilience.http.AbortClassifier;
import dev.ballast.resilience.http.CallOutcome;
import dev.ballast.resilience.http.RetryDecision;
import dev.ballast.resilience.http.RetryMatrix;
import io.micronaut.http.HttpMethod;
import io.micronaut.http.client.exceptions.ReadTimeoutException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What the failure policy costs per call: the retry decision on a successful response (paid by every call),
 * the decision on a failure, and the classification of an HTTP abort and of a database failure. A HashMap lookup
 * is measured in the same run as a yardstick, because machines are noisy.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class PolicyCostBenchmark {

    private final CallOutcome ok = new CallOutcome.Status(200, false);
    private final CallOutcome throttled = new CallOutcome.Status(503, true);
    private final Throwable readTimeout = new UncheckedIOException(new java.io.IOException("wrapped",
            ReadTimeoutException.TIMEOUT_EXCEPTION));
    private final Throwable refused = new RuntimeException(new ConnectException("Connection refused"));
    private final Throwable dbCut = new RuntimeException("data access",
            new SQLException("An I/O error occurred while sending to the backend.", "08006"));
    private final Map<String, Integer> yardstick = new HashMap<>(Map.of("webhook", 1, "jobs", 2, "insights", 3));

    @Benchmark
    public RetryDecision decisionOnSuccess() {
        return RetryMatrix.decide(HttpMethod.POST, false, ok);
    }

    @Benchmark
    public RetryDecision decisionOnThrottle() {
        return RetryMatrix.decide(HttpMethod.GET, false, throttled);
    }

    @Benchmark
    public AbortClass classifyReadTimeout() {
        return AbortClassifier.classify(readTimeout);
    }

    @Benchmark
    public AbortClass classifyRefusedConnect() {
        return AbortClassifier.classify(refused);
    }

    @Benchmark
    public DbFailureClassifier.Kind classifyDatabaseCut() {
        return DbFailureClassifier.classify(dbCut);
    }

    @Benchmark
    public Integer yardstickHashMapGet() {
        return yardstick.get("jobs");
    }
}
