package dev.ballast.insights.packs;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Context pack knobs ({@code ballast.insights.context-packs.*}). The three cron knobs are clamped, not refused: a
 * deployment that asks for more than a small database can take gets the most that is safe.
 *
 * @param cronLimit          most packs one tick claims (at least 1)
 * @param cronBatch          most leads one pack's step works on, clamped to 1..15
 * @param leadConcurrency    most LLM calls a tick has in flight, clamped to 1..8; 0: min(8, batch)
 * @param leadMaxAttempts    failed attempts after which a lead is recorded as failed and the pack goes on without it
 * @param synthesisMaxAttempts failed synthesis attempts after which the pack is recorded as failed
 * @param lease              how long a claimed pack stays with its tick; longer than any tick can run
 * @param maxLeads           most leads one pack may name
 */
@ConfigurationProperties("ballast.insights.context-packs")
public record ContextPackSettings(
        @Bindable(defaultValue = "3") int cronLimit,
        @Bindable(defaultValue = "15") int cronBatch,
        @Bindable(defaultValue = "0") int leadConcurrency,
        @Bindable(defaultValue = "3") int leadMaxAttempts,
        @Bindable(defaultValue = "3") int synthesisMaxAttempts,
        @Bindable(defaultValue = "2m") Duration lease,
        @Bindable(defaultValue = "1000") int maxLeads) {

    public static final int MAX_BATCH = 15;
    public static final int MAX_CONCURRENCY = 8;

    public ContextPackSettings {
        if (leadMaxAttempts < 1 || synthesisMaxAttempts < 1 || maxLeads < 1 || lease.isNegative() || lease.isZero()) {
            throw new ConfigurationException("ballast.insights.context-packs: attempts and max-leads must be >= 1 and"
                    + " the lease > 0");
        }
    }

    public int limit() {
        return Math.max(1, cronLimit);
    }

    public int batch() {
        return Math.clamp(cronBatch, 1, MAX_BATCH);
    }

    public int concurrency() {
        return Math.clamp(leadConcurrency <= 0 ? Math.min(MAX_CONCURRENCY, batch()) : leadConcurrency, 1,
                MAX_CONCURRENCY);
    }

    /** The knobs in force, as a tick's 503 names them. */
    public Map<String, Integer> inForce() {
        Map<String, Integer> knobs = new LinkedHashMap<>();
        knobs.put("packLimit", limit());
        knobs.put("batch", batch());
        knobs.put("concurrency", concurrency());
        return knobs;
    }
}
