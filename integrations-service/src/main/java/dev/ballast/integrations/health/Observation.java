package dev.ballast.integrations.health;

/** What one provider call or check said about an integration's health. */
public sealed interface Observation {

    /** The provider answered as a working integration does. */
    record Connected() implements Observation {
    }

    /** A failure that may pass (timeout, reset, 5xx, 429); enough in a row make it DEGRADED. */
    record Transient(String code, String message) implements Observation {
    }

    /** The credentials no longer work: DISCONNECTED at once, calls skipped until they are fixed. */
    record Disconnected(String code, String message) implements Observation {
    }

    Observation CONNECTED = new Connected();
}
