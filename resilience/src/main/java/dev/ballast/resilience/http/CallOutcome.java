package dev.ballast.resilience.http;

/**
 * How one attempt ended: a response arrived, the attempt was aborted without one, or it failed in a way that is
 * neither (an undecodable body, a TLS error, a bug).
 */
public sealed interface CallOutcome permits CallOutcome.Status, CallOutcome.Aborted, CallOutcome.Unclassified {

    /**
     * A response arrived.
     *
     * @param code          the HTTP status code
     * @param hasRetryAfter whether it carried a usable {@code Retry-After} header
     */
    record Status(int code, boolean hasRetryAfter) implements CallOutcome {

        /** The status family ({@code 2xx}, {@code 4xx}, ...); 429 and 503 stand alone because they drive retries. */
        @Override
        public String tag() {
            if (code == 429) {
                return "429";
            }
            if (code == 503) {
                return "503";
            }
            return switch (code / 100) {
                case 1 -> "1xx";
                case 2 -> "2xx";
                case 3 -> "3xx";
                case 4 -> "4xx";
                case 5 -> "5xx";
                default -> "other";
            };
        }
    }

    /**
     * No response: the attempt was aborted.
     *
     * @param abortClass why
     */
    record Aborted(AbortClass abortClass) implements CallOutcome {
        @Override
        public String tag() {
            return "aborted";
        }
    }

    /** A failure we cannot classify; never retried. */
    record Unclassified() implements CallOutcome {
        @Override
        public String tag() {
            return "error";
        }
    }

    static Status status(int code) {
        return new Status(code, false);
    }

    static Status status(int code, boolean hasRetryAfter) {
        return new Status(code, hasRetryAfter);
    }

    /** One shared instance per class, so classifying an abort allocates nothing. */
    static Aborted aborted(AbortClass abortClass) {
        return OutcomeCache.aborted(abortClass);
    }

    static Unclassified unclassified() {
        return OutcomeCache.UNCLASSIFIED;
    }

    /** Lower-case outcome for metric tags: a status family, {@code aborted} or {@code error}. */
    String tag();

    /** The abort class for metric tags, {@code none} when the attempt was not aborted. */
    default String abortTag() {
        return this instanceof Aborted(AbortClass abortClass) ? abortClass.tag() : "none";
    }
}
