package dev.ballast.webhook.auth;

import io.micronaut.context.annotation.Factory;
import jakarta.inject.Singleton;

import java.time.Clock;

/** The clock signature timestamps are checked against; tests replace it. */
@Factory
final class SystemClock {

    @Singleton
    Clock clock() {
        return Clock.systemUTC();
    }
}
