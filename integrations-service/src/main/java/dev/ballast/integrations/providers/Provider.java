package dev.ballast.integrations.providers;

import io.micronaut.core.annotation.Nullable;

import java.util.Locale;

/** The third parties Ballast talks to; {@link #id()} is also the {@code @Client} id and the breaker's provider key. */
public enum Provider {
    AI, EMAILBISON, GHL, SLACK, UNIPILE;

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The provider named {@code id} ({@code "slack"}), or null. */
    public static @Nullable Provider of(@Nullable String id) {
        if (id == null) {
            return null;
        }
        for (Provider p : values()) {
            if (p.id().equals(id.strip().toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        return null;
    }
}
