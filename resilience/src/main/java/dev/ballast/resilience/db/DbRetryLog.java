package dev.ballast.resilience.db;

import dev.ballast.resilience.Causes;
import dev.ballast.resilience.db.DbFailureClassifier.Kind;
import dev.ballast.resilience.db.DbRetry.Retry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.event.Level;

/**
 * {@link DbRetry}'s log lines, once per outage: WARN from the unit that found it (and always for contention), DEBUG
 * from every other unit failing meanwhile, one INFO line when the database answers again. Operation, retry, delay,
 * kind, SQLState and exception class only: never SQL text, parameters, URLs or secrets, never a stack trace.
 */
final class DbRetryLog implements DbRetryEvents {

    // Named after DbRetry: operators filter and tune its lines by that name.
    private static final Logger LOG = LoggerFactory.getLogger(DbRetry.class);

    @Override
    public void retrying(Retry r, boolean foundOutage) {
        LOG.atLevel(level(r.kind(), foundOutage)).log(
                "db retry operation={} unit={} retry={}/{} delay_ms={} kind={} sqlstate={} error={}",
                r.operation(), r.unit().tag(), r.retry(), r.maxRetries(), r.delay().toMillis(), r.kind(), r.sqlState(),
                rootName(r.failure()));
    }

    @Override
    public void gaveUp(GiveUp g) {
        if (level(g.kind(), g.foundOutage()) == Level.WARN) {
            LOG.warn("db gave up operation={} unit={} attempts={} kind={} sqlstate={} reason={} error={}{}",
                    g.operation(), g.unit().tag(), g.attempts(), g.kind(), g.sqlState(), g.reason().tag(),
                    rootName(g.failure()), g.foundOutage()
                            ? " (until the database answers again, other units' failures are logged at DEBUG)" : "");
        } else {
            LOG.debug("db gave up operation={} unit={} attempts={} kind={} sqlstate={} reason={} error={}",
                    g.operation(), g.unit().tag(), g.attempts(), g.kind(), g.sqlState(), g.reason().tag(),
                    rootName(g.failure()));
        }
    }

    @Override
    public void recovered(long millis, int failedUnits) {
        LOG.info("db answers again after {} ms of failures: failed_units={}", millis, failedUnits);
    }

    private static Level level(Kind kind, boolean foundOutage) {
        return kind != Kind.TRANSIENT || foundOutage ? Level.WARN : Level.DEBUG;
    }

    private static String rootName(Throwable failure) {
        return Causes.root(failure).getClass().getSimpleName();
    }
}
