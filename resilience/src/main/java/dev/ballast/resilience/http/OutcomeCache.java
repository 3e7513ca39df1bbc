package dev.ballast.resilience.http;

final class OutcomeCache {

    static final CallOutcome.Unclassified UNCLASSIFIED = new CallOutcome.Unclassified();
    private static final CallOutcome.Aborted[] ABORTED;

    static {
        AbortClass[] classes = AbortClass.values();
        ABORTED = new CallOutcome.Aborted[classes.length];
        for (AbortClass c : classes) {
            ABORTED[c.ordinal()] = new CallOutcome.Aborted(c);
        }
    }

    private OutcomeCache() {
    }

    static CallOutcome.Aborted aborted(AbortClass abortClass) {
        return ABORTED[abortClass.ordinal()];
    }
}
