package dev.ballast.jobs.handlers;

import io.micronaut.core.annotation.Nullable;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Whether a reply's AI draft may go out without a human: the workspace allows it, the reply's sentiment is one of the
 * eligible ones and the draft is confident enough. Pure; nothing here sends anything.
 */
public final class AutoSendRules {

    /** {@code send} only when {@code reasons} is empty; {@code reasons} says what held it back. */
    public record Decision(boolean send, List<String> reasons) {
    }

    private AutoSendRules() {
    }

    public static Decision evaluate(boolean workspaceEnabled, @Nullable String sentiment,
                                    @Nullable Double draftConfidence, Set<String> eligibleSentiments,
                                    double minConfidence) {
        List<String> reasons = new ArrayList<>();
        if (!workspaceEnabled) {
            reasons.add("workspace_disabled");
        }
        if (sentiment == null || !eligibleSentiments.contains(sentiment.toLowerCase(Locale.ROOT))) {
            reasons.add("sentiment_not_eligible");
        }
        if (draftConfidence == null) {
            reasons.add("no_draft");
        } else if (draftConfidence.isNaN() || draftConfidence < minConfidence) {
            reasons.add("confidence_below_threshold");
        }
        return new Decision(reasons.isEmpty(), List.copyOf(reasons));
    }
}
