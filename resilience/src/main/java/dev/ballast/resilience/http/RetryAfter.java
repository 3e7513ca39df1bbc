package dev.ballast.resilience.http;

import io.micronaut.core.annotation.Nullable;

import java.time.Clock;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.temporal.ChronoField;
import java.util.Locale;

/**
 * Reads a {@code Retry-After} header (RFC 9110 §10.2.3) in both forms, delay-seconds ({@code 120}) and HTTP-date
 * ({@code Wed, 21 Oct 2015 07:28:00 GMT}, plus the two obsolete date formats recipients must accept), and caps the
 * result. The clock is injectable so that dates can be tested.
 */
public final class RetryAfter {

    /** Returned when there is no usable header. */
    public static final long ABSENT = -1;

    // RFC 850: Sunday, 06-Nov-94 08:49:37 GMT
    private static final DateTimeFormatter RFC_850 = new DateTimeFormatterBuilder()
        .parseCaseInsensitive()
        .appendPattern("EEEE, dd-MMM-")
        .appendValueReduced(ChronoField.YEAR, 2, 2, 1970)
        .appendPattern(" HH:mm:ss zzz")
        .toFormatter(Locale.ENGLISH);
    // asctime: Sun Nov  6 08:49:37 1994 (always GMT)
    private static final DateTimeFormatter ASCTIME = new DateTimeFormatterBuilder()
        .parseCaseInsensitive()
        .appendPattern("EEE MMM ")
        .padNext(2)
        .appendValue(ChronoField.DAY_OF_MONTH)
        .appendPattern(" HH:mm:ss yyyy")
        .toFormatter(Locale.ENGLISH)
        .withZone(java.time.ZoneOffset.UTC);

    private final Clock clock;

    public RetryAfter(Clock clock) {
        this.clock = clock;
    }

    /** The delay the header asks for in milliseconds, at most {@code cap}; {@link #ABSENT} if none is usable. */
    public long delayMillis(@Nullable String header, Duration cap) {
        return delayMillis(header, clock.millis(), cap.toMillis());
    }

    /**
     * The delay {@code header} asks for, relative to {@code nowEpochMillis}, at most {@code capMillis}. A date in
     * the past means "now" (0). Returns {@link #ABSENT} for a missing, negative or unparseable header.
     */
    public static long delayMillis(@Nullable String header, long nowEpochMillis, long capMillis) {
        if (header == null) {
            return ABSENT;
        }
        String value = header.trim();
        if (value.isEmpty()) {
            return ABSENT;
        }
        long millis;
        if (isDigits(value)) {
            // more than 18 digits overflows a long; any such delay is beyond every cap
            millis = value.length() > 15 ? Long.MAX_VALUE : Long.parseLong(value) * 1000;
        } else {
            long at = parseDate(value);
            if (at == ABSENT) {
                return ABSENT;
            }
            millis = Math.max(0, at - nowEpochMillis);
        }
        return Math.min(millis, capMillis);
    }

    private static boolean isDigits(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static long parseDate(String value) {
        for (DateTimeFormatter format : new DateTimeFormatter[] {DateTimeFormatter.RFC_1123_DATE_TIME, RFC_850, ASCTIME}) {
            try {
                return ZonedDateTime.parse(value, format).toInstant().toEpochMilli();
            } catch (DateTimeException ignored) {
                // try the next of the three formats RFC 9110 allows
            }
        }
        return ABSENT;
    }
}
