package dev.ballast.webhook.workspace;

import io.micronaut.data.annotation.Id;
import io.micronaut.data.annotation.MappedEntity;

import java.time.Instant;
import java.util.UUID;

/** A tenant: the unit every webhook, lead and message belongs to. */
@MappedEntity(value = "workspaces", schema = "webhook")
public record Workspace(@Id UUID id, String name, String status, Instant createdAt, Instant updatedAt) {

    public static final String ACTIVE = "active";
    public static final String DISABLED = "disabled";

    public boolean active() {
        return ACTIVE.equals(status);
    }
}
