package dev.ballast.webhook.intake;

import dev.ballast.webhook.messages.LeadRepository;
import dev.ballast.webhook.messages.MessageRepository;
import dev.ballast.webhook.outbox.JobTypes;
import dev.ballast.webhook.outbox.OutboxRepository;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/**
 * Stores one parsed delivery inside the caller's transaction: upsert the lead, insert the message unless
 * it is there already (never check-then-insert), and only when it was inserted, one outbox row per follow-up job.
 */
@Singleton
public final class IntakeStore {

    private final LeadRepository leads;
    private final MessageRepository messages;
    private final OutboxRepository outbox;
    private final JsonMapper json;

    IntakeStore(LeadRepository leads, MessageRepository messages, OutboxRepository outbox, JsonMapper json) {
        this.leads = leads;
        this.messages = messages;
        this.outbox = outbox;
        this.json = json;
    }

    public StoreResult store(UUID workspaceId, Provider provider, ParsedEvent.Storable event) {
        LeadDraft lead = event.lead();
        boolean newLead = leads.insertIfAbsent(workspaceId, lead.key(), lead.email(), lead.phone(), lead.name(),
                lead.providerLeadId()) == 1;
        long leadId = leads.findId(workspaceId, lead.key())
                .orElseThrow(() -> new IllegalStateException("lead neither inserted nor found"));
        if (!newLead) {
            leads.refresh(leadId, lead.email(), lead.phone(), lead.name(), lead.providerLeadId());
        }

        MessageDraft m = event.message();
        boolean inserted = messages.insertIfAbsent(workspaceId, leadId, provider.key(), m.externalId(), m.channel(),
                m.direction().column(), event.eventType(), m.subject(), m.body(), m.fromAddress(), m.toAddress(),
                toJson(m.metadata()), m.sentAt()) == 1;
        long messageId = messages.findId(workspaceId, provider.key(), m.externalId())
                .orElseThrow(() -> new IllegalStateException("message neither inserted nor found"));

        if (inserted) {
            for (String jobType : event.jobTypes()) {
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("workspaceId", workspaceId.toString());
                payload.put("messageId", messageId);
                payload.put("leadId", leadId);
                payload.put("provider", provider.key());
                payload.put("eventType", event.eventType());
                payload.put("channel", m.channel());
                payload.put("direction", m.direction().column());
                outbox.insertIfAbsent(workspaceId, messageId, jobType, JobTypes.dedupeKey(jobType, messageId),
                        toJson(payload));
            }
        }
        return new StoreResult(messageId, leadId, inserted);
    }

    private String toJson(Map<String, Object> value) {
        try {
            return json.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise to JSON", e);
        }
    }
}
