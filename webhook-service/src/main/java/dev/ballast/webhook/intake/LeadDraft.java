package dev.ballast.webhook.intake;

import io.micronaut.core.annotation.Nullable;

import java.util.Locale;

/**
 * The lead a message belongs to, as the delivery describes it.
 *
 * @param key identity the lead is upserted by within the workspace: {@code email:<lower-cased address>},
 *            {@code phone:<number>} or {@code ghl-contact:<contact id>}
 */
public record LeadDraft(String key, @Nullable String email, @Nullable String phone, @Nullable String name,
                        @Nullable String providerLeadId) {

    public static LeadDraft byEmail(String email, @Nullable String name, @Nullable String providerLeadId) {
        return new LeadDraft("email:" + email.toLowerCase(Locale.ROOT), email, null, name, providerLeadId);
    }

    public static LeadDraft byGhlContact(String contactId, @Nullable String email, @Nullable String phone,
                                         @Nullable String name) {
        return new LeadDraft("ghl-contact:" + contactId, email, phone, name, contactId);
    }
}
