package dev.ballast.integrations.calls;

import dev.ballast.integrations.providers.Provider;

/**
 * Every provider operation, under the name its answers are stored by. {@code sideEffectFree}: repeating it cannot
 * act twice (an AI completion, a read), so a failure after the request may have reached the provider leaves the key
 * free for a retry; for the others (sends) such a failure is final and the request is never sent again.
 */
public enum Operation {
    SENTIMENT("ai.sentiment", Provider.AI, true),
    DRAFT("ai.draft", Provider.AI, true),
    LEAD_INSIGHT("ai.lead-insight", Provider.AI, true),
    PACK_SYNTHESIS("ai.pack-synthesis", Provider.AI, true),
    ENRICHMENT("emailbison.enrichment", Provider.EMAILBISON, true),
    SENT_EMAILS("emailbison.sent-emails", Provider.EMAILBISON, true),
    EMAIL_REPLY("emailbison.reply", Provider.EMAILBISON, false),
    SMS("ghl.sms", Provider.GHL, false),
    LINKEDIN_MESSAGE("unipile.message", Provider.UNIPILE, false),
    SLACK_NOTICE("slack.notice", Provider.SLACK, false),
    DISCONNECT_ALERT("slack.alert", Provider.SLACK, false);

    private final String storedAs;
    private final Provider provider;
    private final boolean sideEffectFree;

    Operation(String storedAs, Provider provider, boolean sideEffectFree) {
        this.storedAs = storedAs;
        this.provider = provider;
        this.sideEffectFree = sideEffectFree;
    }

    public String storedAs() {
        return storedAs;
    }

    public Provider provider() {
        return provider;
    }

    public boolean sideEffectFree() {
        return sideEffectFree;
    }
}
