package dev.ballast.webhook.intake;

import java.util.Map;

/** The same claims with deliveries running on the event loop that read them ({@code WEBHOOK_INTAKE_ON_EVENT_LOOP=true}). */
class DatabaseFaultsOnEventLoopTest extends DatabaseFaultsTest {

    @Override
    Map<String, Object> intakeMode() {
        return Map.of("ballast.webhook.intake.on-event-loop", true);
    }
}
