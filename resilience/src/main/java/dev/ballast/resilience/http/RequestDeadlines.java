package dev.ballast.resilience.http;

import io.micronaut.context.annotation.ConfigurationProperties;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.core.bind.annotation.Bindable;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * How long a service may take to answer a request ({@code ballast.http.deadlines.*}), put in the propagated context
 * as a {@link Deadline} by {@link InboundRequestFilter}; a caller's {@value Deadline#HEADER} shortens it, never
 * lengthens it. Everything that waits on the database or another service while answering stops there.
 *
 * @param api    the deadline of every request no route names; zero: none
 * @param routes {@code <path prefix>=<duration>}, first match wins; zero: none from here (the endpoint sets its own,
 *               as a cron tick does from its budget)
 */
@ConfigurationProperties("ballast.http.deadlines")
public record RequestDeadlines(@Bindable(defaultValue = "0s") Duration api, @Nullable List<String> routes) {

    public RequestDeadlines {
        if (api.isNegative()) {
            throw new IllegalArgumentException("ballast.http.deadlines.api must not be negative, got " + api);
        }
        routes = routes == null ? List.of() : List.copyOf(routes);
        parsed(routes); // refuses a malformed route at start-up, naming it
    }

    /** The deadline budget of a request to {@code path}, or null for none. */
    public @Nullable Duration budgetFor(String path) {
        for (Route r : parsed(routes)) {
            if (path.startsWith(r.prefix())) {
                return r.budget().isZero() ? null : r.budget();
            }
        }
        return api.isZero() ? null : api;
    }

    private static List<Route> parsed(List<String> routes) {
        List<Route> out = new ArrayList<>(routes.size());
        for (String route : routes) {
            int eq = route.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("ballast.http.deadlines.routes: '" + route
                        + "' is not <path prefix>=<duration>");
            }
            out.add(new Route(route.substring(0, eq).strip(), duration(route.substring(eq + 1).strip(), route)));
        }
        return out;
    }

    private static Duration duration(String text, String route) {
        try {
            if (text.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
            }
            if (text.endsWith("s")) {
                return Duration.ofSeconds(Long.parseLong(text.substring(0, text.length() - 1)));
            }
            if (text.endsWith("m")) {
                return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
            }
            return Duration.parse(text);
        } catch (NumberFormatException | DateTimeParseException e) {
            throw new IllegalArgumentException("ballast.http.deadlines.routes: '" + route
                    + "' needs a duration such as 500ms, 5s or 1m", e);
        }
    }

    private record Route(String prefix, Duration budget) {
    }
}
