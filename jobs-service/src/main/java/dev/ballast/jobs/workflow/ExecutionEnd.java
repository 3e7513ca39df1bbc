package dev.ballast.jobs.workflow;

import io.micronaut.core.annotation.Nullable;

import java.util.Optional;

/** How a workflow execution ended, as {@code workflow_executions.status} holds it once it is no longer running. */
public enum ExecutionEnd {
    SUCCEEDED("succeeded"),
    FAILED("failed");

    private final String column;

    ExecutionEnd(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }

    public static Optional<ExecutionEnd> ofColumn(@Nullable String value) {
        for (ExecutionEnd e : values()) {
            if (e.column.equals(value)) {
                return Optional.of(e);
            }
        }
        return Optional.empty();
    }
}
