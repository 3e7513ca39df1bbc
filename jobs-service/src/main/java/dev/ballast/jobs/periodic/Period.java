package dev.ballast.jobs.periodic;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;

/** How often a periodic kind runs, and the UTC name of the period an instant falls in. */
public enum Period {

    /** {@code 2025-01-31} */
    DAY(DateTimeFormatter.ofPattern("uuuu-MM-dd").withZone(ZoneOffset.UTC), ChronoUnit.DAYS),
    /** {@code 2025-01-31T13} */
    HOUR(DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH").withZone(ZoneOffset.UTC), ChronoUnit.HOURS);

    private final DateTimeFormatter format;
    private final ChronoUnit unit;

    Period(DateTimeFormatter format, ChronoUnit unit) {
        this.format = format;
        this.unit = unit;
    }

    public String key(Instant at) {
        return format.format(at.truncatedTo(unit));
    }
}
