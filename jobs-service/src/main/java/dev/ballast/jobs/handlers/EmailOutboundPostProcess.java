package dev.ballast.jobs.handlers;

import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

/** {@code email-outbound-post-process}: an email we sent, by campaign step or by hand (see {@link OutboundPostProcess}). */
@Singleton
public final class EmailOutboundPostProcess extends OutboundPostProcess {

    public static final String TYPE = "email-outbound-post-process";

    EmailOutboundPostProcess(WebhookClient webhook, LeadContacts contacts, JsonMapper json) {
        super(webhook, contacts, json);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
