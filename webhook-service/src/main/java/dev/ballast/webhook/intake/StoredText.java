package dev.ballast.webhook.intake;

import io.micronaut.core.annotation.Nullable;

/**
 * Makes provider text storable in PostgreSQL, which refuses NUL characters in text and jsonb and cannot
 * encode lone UTF-16 surrogates: those (and only those) become U+FFFD. Everything else is kept verbatim.
 */
public final class StoredText {

    private static final char REPLACEMENT = '\uFFFD';

    private StoredText() {
    }

    public static @Nullable String clean(@Nullable String s) {
        if (s == null) {
            return null;
        }
        StringBuilder out = null;
        int n = s.length();
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            boolean bad;
            if (c == '\0') {
                bad = true;
            } else if (Character.isHighSurrogate(c)) {
                bad = i + 1 >= n || !Character.isLowSurrogate(s.charAt(i + 1));
                if (!bad) {
                    if (out != null) {
                        out.append(c).append(s.charAt(i + 1));
                    }
                    i++;
                    continue;
                }
            } else {
                bad = Character.isLowSurrogate(c);
            }
            if (bad && out == null) {
                out = new StringBuilder(n).append(s, 0, i);
            }
            if (out != null) {
                out.append(bad ? REPLACEMENT : c);
            }
        }
        return out == null ? s : out.toString();
    }

    /** Clean, stripped, and null when blank. */
    public static @Nullable String nonBlank(@Nullable String s) {
        String c = clean(s);
        return c == null || c.isBlank() ? null : c.strip();
    }
}
