package dev.ballast.resilience.db;

import dev.ballast.resilience.db.DbRetry.Retry;
import dev.ballast.resilience.db.DbRetry.Unit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * {@link DbRetry}'s Micrometer meters: {@code ballast.db.retry.attempts{operation,unit,outcome}},
 * {@code ballast.db.retry.retries{operation,unit,kind}}, {@code ballast.db.retry.giveups{operation,unit,kind,reason}}
 * and the timer {@code ballast.db.retry.calls{operation,unit,outcome}}.
 */
final class DbRetryMetrics implements DbRetryEvents {

    private final MeterRegistry meters;
    // Every call counts an attempt and times itself: a registry lookup builds tags and a meter id each time, so these
    // meters are looked up once per (operation, unit, outcome), which come from fixed sets in code.
    private final ConcurrentMap<String, Counter> attempts = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, Timer> calls = new ConcurrentHashMap<>();

    DbRetryMetrics(MeterRegistry meters) {
        this.meters = meters;
    }

    @Override
    public void attempted(String operation, Unit unit, String outcome) {
        attempts.computeIfAbsent(operation + '|' + unit.tag() + '|' + outcome, k -> meters.counter(
                "ballast.db.retry.attempts", "operation", operation, "unit", unit.tag(), "outcome", outcome)).increment();
    }

    @Override
    public void retrying(Retry retry, boolean foundOutage) {
        meters.counter("ballast.db.retry.retries", "operation", retry.operation(), "unit", retry.unit().tag(),
                "kind", DbRetry.tag(retry.kind())).increment();
    }

    @Override
    public void gaveUp(GiveUp g) {
        meters.counter("ballast.db.retry.giveups", "operation", g.operation(), "unit", g.unit().tag(),
                "kind", DbRetry.tag(g.kind()), "reason", g.reason().tag()).increment();
    }

    @Override
    public void finished(String operation, Unit unit, String outcome, long nanos) {
        calls.computeIfAbsent(operation + '|' + unit.tag() + '|' + outcome, k -> meters.timer(
                "ballast.db.retry.calls", "operation", operation, "unit", unit.tag(), "outcome", outcome))
                .record(nanos, TimeUnit.NANOSECONDS);
    }
}
