package dev.ballast.jobs.periodic;

import io.micronaut.context.annotation.EachProperty;
import io.micronaut.context.annotation.Parameter;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.util.List;
import java.util.UUID;

/**
 * One periodic job kind, {@code ballast.jobs.periodic.kinds.<name>.*}: once per {@code period} (UTC) and workspace,
 * a job of {@code job-type} is enqueued.
 *
 * @param name       the kind, part of the dedupe key {@code periodic:<kind>:<workspace>:<period>}
 * @param enabled    whether the scheduler enqueues it
 * @param jobType    the type of the job it enqueues (a handler for it must exist)
 * @param period     {@code day} or {@code hour}
 * @param workspaces the workspaces it runs for; empty means every workspace with a non-periodic job created within
 *                   {@code ballast.jobs.periodic.active-within}
 */
@EachProperty("ballast.jobs.periodic.kinds")
public record PeriodicKind(@Parameter String name,
                           @Bindable(defaultValue = "true") boolean enabled,
                           String jobType,
                           @Bindable(defaultValue = "day") Period period,
                           @Nullable List<String> workspaces) {

    public PeriodicKind {
        if (!name.matches("[a-z0-9][a-z0-9._-]{0,63}")) {
            throw new IllegalArgumentException("ballast.jobs.periodic.kinds: '" + name + "' is not a valid kind name");
        }
        workspaces = workspaces == null ? List.of()
                : workspaces.stream().map(String::strip).filter(s -> !s.isEmpty()).toList();
        workspaces.forEach(UUID::fromString);
    }

    public List<UUID> configuredWorkspaces() {
        return workspaces.stream().map(UUID::fromString).toList();
    }
}
