package dev.ballast.resilience.http;

import io.micronaut.http.HttpMethod;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every cell of the retry matrix in docs/architecture.md, transcribed here by hand so that the code and the table are checked
 * against each other, with several concrete outcomes per row and several requests per column.
 */
class RetryMatrixTest {

    /** The table as docs/architecture.md writes it: retry / after (Retry-After, capped) / no / never. */
    private static final String[][] DOCUMENTED_TABLE = {
        //                                                   GET/HEAD/PUT/DELETE  POST+key/side-effect-free  other POST/PATCH
        {"connect refused / connect timeout (never sent)", "retry", "retry", "retry"},
        {"read timeout (our per-try deadline)", "retry", "retry", "no"},
        {"connection reset or closed mid-request", "retry", "retry", "no"},
        {"429, 503 with Retry-After", "after", "after", "after"},
        {"500, 502, 504", "retry", "retry", "no"},
        {"other 4xx", "no", "no", "no"},
        {"caller cancelled, or our own shutdown", "never", "never", "never"},
    };

    /** Concrete outcomes that fall in each row of the table. */
    private static final Map<Integer, List<CallOutcome>> ROW_OUTCOMES = Map.of(
        0, List.of(CallOutcome.aborted(AbortClass.CONNECT_FAILED)),
        1, List.of(CallOutcome.aborted(AbortClass.TIMEOUT)),
        2, List.of(CallOutcome.aborted(AbortClass.CONNECTION_RESET)),
        3, List.of(CallOutcome.status(429, true), CallOutcome.status(503, true)),
        // a 503 without Retry-After is an ordinary 5xx
        4, List.of(CallOutcome.status(500), CallOutcome.status(502), CallOutcome.status(504), CallOutcome.status(503, false),
            CallOutcome.status(500, true), CallOutcome.status(502, true)),
        5, List.of(CallOutcome.status(400), CallOutcome.status(401), CallOutcome.status(403), CallOutcome.status(404),
            CallOutcome.status(408), CallOutcome.status(409), CallOutcome.status(422), CallOutcome.status(400, true)),
        6, List.of(CallOutcome.aborted(AbortClass.CALLER_CANCELLED), CallOutcome.aborted(AbortClass.SHUTDOWN))
    );

    record Request(HttpMethod method, boolean declaredIdempotent) {
        @Override
        public String toString() {
            return method + (declaredIdempotent ? "+key" : "");
        }
    }

    /** Concrete requests that fall in each column. */
    private static final List<List<Request>> COLUMN_REQUESTS = List.of(
        List.of(new Request(HttpMethod.GET, false), new Request(HttpMethod.HEAD, false), new Request(HttpMethod.PUT, false),
            new Request(HttpMethod.DELETE, false), new Request(HttpMethod.GET, true), new Request(HttpMethod.PUT, true)),
        List.of(new Request(HttpMethod.POST, true), new Request(HttpMethod.PATCH, true)),
        List.of(new Request(HttpMethod.POST, false), new Request(HttpMethod.PATCH, false))
    );

    static Stream<Arguments> everyCell() {
        List<Arguments> cases = new ArrayList<>();
        for (int row = 0; row < DOCUMENTED_TABLE.length; row++) {
            for (int column = 0; column < 3; column++) {
                for (CallOutcome outcome : ROW_OUTCOMES.get(row)) {
                    for (Request request : COLUMN_REQUESTS.get(column)) {
                        cases.add(Arguments.of(DOCUMENTED_TABLE[row][0], request, outcome, DOCUMENTED_TABLE[row][column + 1]));
                    }
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0}: {1} after {2} -> {3}")
    @MethodSource("everyCell")
    void everyCellOfTheMatrixDecidesAsDesignMdSays(String row, Request request, CallOutcome outcome, String expected) {
        RetryDecision decision = RetryMatrix.decide(request.method(), request.declaredIdempotent(), outcome);
        assertThat(decision).isEqualTo(switch (expected) {
            case "retry" -> RetryDecision.RETRY;
            case "after" -> RetryDecision.RETRY_AFTER;
            case "no" -> RetryDecision.GIVE_UP;
            case "never" -> RetryDecision.NEVER;
            default -> throw new IllegalArgumentException(expected);
        });
    }

    @Test
    void theTableTestReachesAllTwentyOneCells() {
        Set<String> cells = new HashSet<>();
        everyCell().forEach(a -> {
            Request request = (Request) a.get()[1];
            cells.add(a.get()[0] + "|" + RequestKind.of(request.method(), request.declaredIdempotent()));
        });
        assertThat(cells).hasSize(DOCUMENTED_TABLE.length * RequestKind.values().length);
    }

    @Test
    void requestsFallInTheirColumns() {
        assertThat(RequestKind.of(HttpMethod.GET, false)).isEqualTo(RequestKind.IDEMPOTENT);
        assertThat(RequestKind.of(HttpMethod.OPTIONS, false)).isEqualTo(RequestKind.IDEMPOTENT);
        assertThat(RequestKind.of(HttpMethod.POST, true)).isEqualTo(RequestKind.DECLARED_IDEMPOTENT);
        assertThat(RequestKind.of(HttpMethod.PATCH, true)).isEqualTo(RequestKind.DECLARED_IDEMPOTENT);
        assertThat(RequestKind.of(HttpMethod.POST, false)).isEqualTo(RequestKind.UNSAFE);
        assertThat(RequestKind.of(HttpMethod.PATCH, false)).isEqualTo(RequestKind.UNSAFE);
    }

    @Test
    void aTooManyRequestsWithoutRetryAfterIsRetriedOnTheBackoffInEveryColumn() {
        // a 429 refuses the request before any work is done, so even an unkeyed POST may be resent
        for (RequestKind kind : RequestKind.values()) {
            assertThat(RetryMatrix.decide(kind, CallOutcome.status(429, false))).isEqualTo(RetryDecision.RETRY);
        }
    }

    @Test
    void responsesThatAreNotFailuresAreDone() {
        for (int code : new int[] {200, 201, 204, 301, 304}) {
            assertThat(RetryMatrix.decide(HttpMethod.POST, false, CallOutcome.status(code))).isEqualTo(RetryDecision.DONE);
        }
    }

    @Test
    void serverErrorsOutsideTheTableArePermanent() {
        for (int code : new int[] {501, 505, 507, 511}) {
            assertThat(RetryMatrix.decide(HttpMethod.GET, false, CallOutcome.status(code))).isEqualTo(RetryDecision.GIVE_UP);
        }
    }

    @Test
    void anUnclassifiedFailureIsNeverRetried() {
        assertThat(RetryMatrix.decide(HttpMethod.GET, false, CallOutcome.unclassified())).isEqualTo(RetryDecision.GIVE_UP);
    }

    @Test
    void onlyTimeoutConnectFailedAndConnectionResetAreEverRetried() {
        for (AbortClass c : AbortClass.values()) {
            boolean retriedSomewhere = false;
            for (RequestKind kind : RequestKind.values()) {
                retriedSomewhere |= RetryMatrix.decideAbort(kind, c).retries();
            }
            assertThat(retriedSomewhere).as(c.name()).isEqualTo(c.mayBeRetried());
        }
    }
}
