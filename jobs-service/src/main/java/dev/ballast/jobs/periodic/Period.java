package dev.ballast.jobs.periodic;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.time.temporal.IsoFields;
import java.util.function.Function;

/** How often a periodic kind runs, and the UTC name of the period an instant falls in. */
public enum Period {

    /** {@code 2025-01-31} */
    DAY(at -> DateTimeFormatter.ISO_LOCAL_DATE.format(utc(at)),
            key -> LocalDate.parse(key).atStartOfDay(ZoneOffset.UTC).toInstant(), Duration.ofDays(1)),
    /** {@code 2025-01-31T13} */
    HOUR(at -> DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH").format(utc(at).truncatedTo(ChronoUnit.HOURS)),
            key -> LocalDateTime.parse(key + ":00").toInstant(ZoneOffset.UTC), Duration.ofHours(1)),
    /** {@code 2025-W05}: the ISO week (Monday to Sunday, week-based year). */
    WEEK(at -> {
        ZonedDateTime t = utc(at);
        return "%d-W%02d".formatted(t.get(IsoFields.WEEK_BASED_YEAR), t.get(IsoFields.WEEK_OF_WEEK_BASED_YEAR));
    }, key -> LocalDate.of(Integer.parseInt(key.substring(0, key.indexOf("-W"))), 1, 4)
            .with(IsoFields.WEEK_OF_WEEK_BASED_YEAR, Long.parseLong(key.substring(key.indexOf("-W") + 2)))
            .with(DayOfWeek.MONDAY).atStartOfDay(ZoneOffset.UTC).toInstant(), Duration.ofDays(7));

    /** The instants a period spans: from {@code start} (inclusive) to {@code end} (exclusive). */
    public record Window(Instant start, Instant end) {
    }

    private final Function<Instant, String> key;
    private final Function<String, Instant> start;
    private final Duration length;

    Period(Function<Instant, String> key, Function<String, Instant> start, Duration length) {
        this.key = key;
        this.start = start;
        this.length = length;
    }

    /** The window a key of this period names; IllegalArgumentException when it is not one. */
    public Window window(String key) {
        try {
            Instant from = start.apply(key);
            if (!key(from).equals(key)) {
                throw new IllegalArgumentException("not a " + name().toLowerCase(java.util.Locale.ROOT) + " key: " + key);
            }
            return new Window(from, from.plus(length));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a " + name().toLowerCase(java.util.Locale.ROOT) + " key: " + key, e);
        }
    }

    public String key(Instant at) {
        return key.apply(at);
    }

    private static ZonedDateTime utc(Instant at) {
        return at.atZone(ZoneOffset.UTC);
    }
}
