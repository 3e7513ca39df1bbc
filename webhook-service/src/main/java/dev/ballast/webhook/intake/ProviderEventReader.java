package dev.ballast.webhook.intake;

import java.util.UUID;

/** Turns one provider's webhook bodies into {@link ParsedEvent}s, reading only the fields each event needs. */
public interface ProviderEventReader {

    Provider provider();

    ParsedEvent read(Payload payload, UUID workspaceId) throws InvalidPayloadException;
}
