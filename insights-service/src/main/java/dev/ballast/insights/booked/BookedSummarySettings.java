package dev.ballast.insights.booked;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Booked-summaries knobs ({@code ballast.insights.booked-summaries.*}).
 *
 * @param cronLimit   most leads one tick summarizes, clamped to 1..10
 * @param maxAttempts failed attempts at one lead's activity after which it waits for new activity
 * @param lease       how long a tick holds a lead it summarizes; longer than any tick can run
 */
@ConfigurationProperties("ballast.insights.booked-summaries")
public record BookedSummarySettings(
        @Bindable(defaultValue = "5") int cronLimit,
        @Bindable(defaultValue = "3") int maxAttempts,
        @Bindable(defaultValue = "2m") Duration lease) {

    /** LLM calls at once: summaries are long calls, and this cron shares the LLM with the context packs. */
    public static final int CONCURRENCY = 2;
    public static final int MAX_LIMIT = 10;

    public BookedSummarySettings {
        if (maxAttempts < 1 || lease.isNegative() || lease.isZero()) {
            throw new ConfigurationException("ballast.insights.booked-summaries: max-attempts must be >= 1, lease > 0");
        }
    }

    public int limit() {
        return Math.clamp(cronLimit, 1, MAX_LIMIT);
    }

    /** Candidate rows read in one query: enough that leads summarized already do not starve the rest. */
    public int candidates() {
        return Math.max(limit() * 3, 20);
    }

    public Map<String, Integer> inForce() {
        Map<String, Integer> knobs = new LinkedHashMap<>();
        knobs.put("limit", limit());
        knobs.put("candidates", candidates());
        knobs.put("concurrency", CONCURRENCY);
        return knobs;
    }
}
