package dev.ballast.jobs.handlers;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Auto-send rules ({@code ballast.jobs.handlers.auto-send.*}).
 *
 * @param workspaces    workspace ids allowed to auto-send, or {@code *} for all; empty means none
 * @param sentiments    sentiment labels a reply must have
 * @param minConfidence the least draft confidence (0..1)
 */
@ConfigurationProperties("ballast.jobs.handlers.auto-send")
public record AutoSendSettings(@Nullable List<String> workspaces,
                               @Bindable(defaultValue = "positive,interested") List<String> sentiments,
                               @Bindable(defaultValue = "0.85") double minConfidence) {

    public AutoSendSettings {
        if (minConfidence < 0 || minConfidence > 1) {
            throw new IllegalArgumentException("ballast.jobs.handlers.auto-send.min-confidence must be within 0..1");
        }
        workspaces = cleaned(workspaces);
        sentiments = cleaned(sentiments);
        for (String w : workspaces) {
            if (!w.equals("*")) {
                UUID.fromString(w);
            }
        }
    }

    public boolean enabledFor(UUID workspaceId) {
        return workspaces.contains("*") || workspaces.contains(workspaceId.toString());
    }

    public Set<String> eligibleSentiments() {
        return Set.copyOf(sentiments);
    }

    private static List<String> cleaned(@Nullable List<String> values) {
        return values == null ? List.of() : values.stream().map(String::strip).filter(s -> !s.isEmpty())
                .map(s -> s.toLowerCase(java.util.Locale.ROOT)).collect(Collectors.toUnmodifiableList());
    }
}
