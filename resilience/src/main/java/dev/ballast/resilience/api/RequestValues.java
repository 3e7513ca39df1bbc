package dev.ballast.resilience.api;

import io.micronaut.core.annotation.Nullable;

import java.util.UUID;

/**
 * Path and query values every API reads the same way (ids, page sizes, cursors, workspace ids), refused with a 400
 * problem naming them instead of a parse exception that would surface as a 500.
 */
public final class RequestValues {

    private RequestValues() {
    }

    /** A whole number (ASCII digits) of at least {@code min}; otherwise 400 {@code reason} with {@code detail}. */
    public static long wholeNumber(@Nullable String value, long min, String reason, String detail) {
        // ASCII digits only: Long.parseLong also takes other scripts' digits ("１２" is 12).
        if (value != null && value.strip().matches("-?[0-9]{1,19}")) {
            try {
                long n = Long.parseLong(value.strip());
                if (n >= min) {
                    return n;
                }
            } catch (NumberFormatException e) {
                // answered below
            }
        }
        throw ProblemException.badRequest(reason, detail);
    }

    /** A workspace id (a UUID in its 36-character form); null stays null; otherwise 400 invalid_workspace_id. */
    public static @Nullable UUID workspaceId(@Nullable String value) {
        if (value == null) {
            return null;
        }
        String s = value.strip();
        try {
            if (s.length() == 36) {
                return UUID.fromString(s);
            }
        } catch (IllegalArgumentException e) {
            // answered below
        }
        throw invalidWorkspaceId();
    }

    /** The 400 for a missing or malformed workspace id. */
    public static ProblemException invalidWorkspaceId() {
        return ProblemException.badRequest("invalid_workspace_id", "workspaceId must be a workspace id (UUID)");
    }
}
