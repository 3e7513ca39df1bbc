package dev.ballast.jobs.handlers;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

class AutoSendRulesTest {

    private static final Set<String> ELIGIBLE = Set.of("positive", "interested");

    @Test
    void sendsOnlyWhenEnabledEligibleAndConfidentEnough() {
        assertThat(AutoSendRules.evaluate(true, "positive", 0.85, ELIGIBLE, 0.85).send()).isTrue();
        assertThat(AutoSendRules.evaluate(true, "Interested", 0.99, ELIGIBLE, 0.85).send()).isTrue();
        assertThat(AutoSendRules.evaluate(true, "positive", 0.849, ELIGIBLE, 0.85).reasons())
                .containsExactly("confidence_below_threshold");
        assertThat(AutoSendRules.evaluate(true, "negative", 0.99, ELIGIBLE, 0.85).reasons())
                .containsExactly("sentiment_not_eligible");
        assertThat(AutoSendRules.evaluate(false, "positive", 0.99, ELIGIBLE, 0.85).reasons())
                .containsExactly("workspace_disabled");
        assertThat(AutoSendRules.evaluate(true, null, null, ELIGIBLE, 0.85).reasons())
                .containsExactly("sentiment_not_eligible", "no_draft");
        assertThat(AutoSendRules.evaluate(true, "positive", Double.NaN, ELIGIBLE, 0.85).send()).isFalse();
    }
}
