package dev.ballast.jobs.handlers;

import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

/** {@code sms-outbound-post-process}: an SMS we sent the lead, reported by GHL (see {@link OutboundPostProcess}). */
@Singleton
public final class SmsOutboundPostProcess extends OutboundPostProcess {

    public static final String TYPE = "sms-outbound-post-process";

    SmsOutboundPostProcess(WebhookClient webhook, LeadContacts contacts, JsonMapper json) {
        super(webhook, contacts, json);
    }

    @Override
    public String type() {
        return TYPE;
    }
}
