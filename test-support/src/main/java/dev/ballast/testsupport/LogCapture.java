package dev.ballast.testsupport;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.fail;

/**
 * Everything logged in this JVM while it is open, as the lines an operator would read: message, MDC and stack trace.
 * Our own loggers are turned up to DEBUG meanwhile, so that a secret hidden at a lower level is found as well.
 */
public final class LogCapture implements AutoCloseable {

    private static final String OURS = "dev.ballast";
    private record Line(Level level, String text) {
    }

    private final ConcurrentLinkedQueue<Line> lines = new ConcurrentLinkedQueue<>();
    private final Logger root;
    private final Logger ours;
    private final Level oursBefore;
    private final AppenderBase<ILoggingEvent> appender = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
            StringBuilder line = new StringBuilder().append(e.getLevel()).append(' ').append(e.getLoggerName())
                    .append(' ').append(e.getFormattedMessage()).append(' ').append(e.getMDCPropertyMap());
            if (e.getThrowableProxy() != null) {
                line.append('\n').append(ThrowableProxyUtil.asString(e.getThrowableProxy()));
            }
            lines.add(new Line(e.getLevel(), line.toString()));
        }
    };

    private LogCapture() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ours = context.getLogger(OURS);
        oursBefore = ours.getLevel();
        ours.setLevel(Level.DEBUG);
        appender.setContext(context);
        appender.start();
        root.addAppender(appender);
    }

    public static LogCapture start() {
        return new LogCapture();
    }

    public List<String> lines() {
        return lines.stream().map(Line::text).toList();
    }

    /** The lines logged at {@code atLeast} or above, as an operator reading at that level sees them. */
    public List<String> lines(Level atLeast) {
        return lines.stream().filter(l -> l.level().isGreaterOrEqual(atLeast)).map(Line::text).toList();
    }

    /** Fails naming the logger of every line that holds one of {@code secrets}, without printing the secret. */
    public void assertNoneContains(Collection<String> secrets) {
        List<String> found = new ArrayList<>();
        int i = 0;
        for (String secret : secrets) {
            i++;
            if (secret == null || secret.length() < 8) {
                throw new IllegalArgumentException("secret #" + i + " is too short to search for reliably");
            }
            for (String line : lines()) {
                if (line.contains(secret)) {
                    int cut = line.indexOf(' ', line.indexOf(' ') + 1);
                    found.add("secret #" + i + " logged by " + line.substring(0, cut < 0 ? line.length() : cut));
                }
            }
        }
        if (!found.isEmpty()) {
            fail(found.size() + " log lines hold a secret:\n  " + String.join("\n  ", found));
        }
    }

    @Override
    public void close() {
        root.detachAppender(appender);
        appender.stop();
        ours.setLevel(oursBefore);
    }
}
