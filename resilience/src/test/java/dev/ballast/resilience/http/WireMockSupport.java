package dev.ballast.resilience.http;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.matching.RequestPatternBuilder;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.Comparator;
import java.util.List;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/** Small helpers shared by the WireMock-backed policy tests. */
final class WireMockSupport {

    private WireMockSupport() {
    }

    static WireMockServer startWireMock() {
        WireMockServer server = new WireMockServer(options().dynamicPort().containerThreads(64));
        server.start();
        return server;
    }

    static int count(WireMockServer server, RequestPatternBuilder pattern) {
        return server.countRequestsMatching(pattern.build()).getCount();
    }

    /** The requests matching {@code pattern}, oldest first. */
    static List<LoggedRequest> received(WireMockServer server, RequestPatternBuilder pattern) {
        return server.findAll(pattern).stream().sorted(Comparator.comparing(LoggedRequest::getLoggedDate)).toList();
    }

    /** The sum of all counters named {@code name} whose tags include {@code tags} (key, value, key, value...). */
    static double counter(MeterRegistry registry, String name, String... tags) {
        return registry.find(name).tags(tags).counters().stream().mapToDouble(Counter::count).sum();
    }
}
