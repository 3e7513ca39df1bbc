package dev.ballast.webhook.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import dev.ballast.webhook.deliverylog.DeliveryLog;
import dev.ballast.webhook.messages.LeadRepository;
import dev.ballast.webhook.messages.MessageRepository;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.JsonMapper;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Stores one parsed delivery inside the caller's transaction: upsert the lead, insert the message unless
 * it is there already (never check-then-insert), and only when it was inserted, one outbox row per follow-up job
 * and the delivery's log row. Plain JDBC on the transaction's connection, so that a new message costs one round
 * trip (all of it in one data-modifying statement) and an {@code ON CONFLICT DO NOTHING RETURNING} that returns
 * nothing is seen as no row (Micronaut Data maps it to null, not empty).
 */
@Singleton
public final class IntakeStore {

    /**
     * The whole store in ONE data-modifying statement, so that a new message costs one round trip: insert the lead
     * unless its key is taken (no lock on an existing lead), insert the message unless stored already (never
     * check-then-insert) and, only when it was inserted, its outbox rows (dedupe key {@code <job-type>:<message-id>},
     * as {@link dev.ballast.webhook.outbox.JobTypes#dedupeKey}; the payload gets the lead and new message ids) and the
     * delivery's log row. Answers the lead (its stored fields when it existed), and the new message's id or null for
     * a duplicate. Answers NO row when another transaction inserted the lead after this statement's snapshot was
     * taken: the lead insert waits for it and does nothing, the snapshot does not see its row, nothing is written.
     * Every value is bound once, by name, in the input CTE; the log row's workspace, provider and event type are the
     * message's.
     */
    private static final String STORE = """
            WITH input AS (
                SELECT CAST(? AS uuid) AS workspace_id, CAST(? AS text) AS lead_key, CAST(? AS text) AS email,
                       CAST(? AS text) AS phone, CAST(? AS text) AS name, CAST(? AS text) AS provider_lead_id,
                       CAST(? AS text) AS provider, CAST(? AS text) AS external_id, CAST(? AS text) AS channel,
                       CAST(? AS text) AS direction, CAST(? AS text) AS event_type, CAST(? AS text) AS subject,
                       CAST(? AS text) AS body, CAST(? AS text) AS from_address, CAST(? AS text) AS to_address,
                       CAST(? AS jsonb) AS metadata, CAST(? AS timestamptz) AS sent_at, CAST(? AS jsonb) AS payload,
                       CAST(? AS text[]) AS job_types, CAST(? AS text) AS webhook_id, CAST(? AS text) AS outcome,
                       CAST(? AS text) AS reason, CAST(? AS integer) AS http_status, CAST(? AS integer) AS body_bytes),
            ins AS (
                INSERT INTO webhook.leads (workspace_id, lead_key, email, phone, name, provider_lead_id)
                SELECT workspace_id, lead_key, email, phone, name, provider_lead_id FROM input
                ON CONFLICT (workspace_id, lead_key) DO NOTHING
                RETURNING id),
            l AS (
                SELECT id, true AS created, CAST(NULL AS text) AS email, CAST(NULL AS text) AS phone,
                       CAST(NULL AS text) AS name, CAST(NULL AS text) AS provider_lead_id FROM ins
                UNION ALL
                SELECT le.id, false, le.email, le.phone, le.name, le.provider_lead_id
                FROM webhook.leads le JOIN input i ON le.workspace_id = i.workspace_id AND le.lead_key = i.lead_key),
            m AS (
                INSERT INTO webhook.messages (workspace_id, lead_id, provider, external_id, channel, direction,
                                              event_type, subject, body, from_address, to_address, metadata, sent_at)
                SELECT i.workspace_id, l.id, i.provider, i.external_id, i.channel, i.direction, i.event_type, i.subject,
                       i.body, i.from_address, i.to_address, i.metadata, i.sent_at
                FROM l CROSS JOIN input i
                ON CONFLICT (workspace_id, provider, external_id) DO NOTHING
                RETURNING id, lead_id),
            o AS (
                INSERT INTO webhook.outbox (workspace_id, message_id, job_type, dedupe_key, payload)
                SELECT i.workspace_id, m.id, j.job_type, j.job_type || ':' || CAST(m.id AS text),
                       i.payload || jsonb_build_object('leadId', m.lead_id, 'messageId', m.id)
                FROM m CROSS JOIN input i CROSS JOIN unnest(i.job_types) AS j(job_type)
                ON CONFLICT (dedupe_key) DO NOTHING),
            d AS (
                INSERT INTO webhook.webhook_deliveries (workspace_id, webhook_id, provider, event_type, outcome, reason,
                                                        http_status, body_bytes, message_id)
                SELECT i.workspace_id, i.webhook_id, i.provider, i.event_type, i.outcome, i.reason, i.http_status,
                       i.body_bytes, m.id
                FROM m CROSS JOIN input i)
            SELECT l.id, l.created, l.email, l.phone, l.name, l.provider_lead_id, (SELECT id FROM m) FROM l""";

    private static final JsonFactory JSON = new JsonFactory();

    private final LeadRepository leads;
    private final MessageRepository messages;
    private final JsonMapper json;

    IntakeStore(LeadRepository leads, MessageRepository messages, JsonMapper json) {
        this.leads = leads;
        this.messages = messages;
        this.json = json;
    }

    /**
     * @param accepted the delivery-log row to write, with the new message's id, when the message is inserted (its
     *                 workspace, provider and event type are this delivery's); for a duplicate the caller writes its
     *                 own row
     */
    public StoreResult store(Connection connection, UUID workspaceId, Provider provider, ParsedEvent.Storable event,
                             DeliveryLog.Entry accepted) throws SQLException {
        Stored stored = write(connection, workspaceId, provider, event, accepted);
        if (stored == null) {
            // The lead was inserted concurrently after the statement's snapshot and nothing was written: a new
            // statement has a new snapshot and sees it.
            stored = write(connection, workspaceId, provider, event, accepted);
            if (stored == null) {
                throw new IllegalStateException("lead neither inserted nor found");
            }
        }
        StoredLead lead = stored.lead();
        if (!lead.inserted() && lead.wouldChange(event.lead())) {
            // Only then: touching the row locks it, and redeliveries racing each other must not queue on the lead.
            LeadDraft told = event.lead();
            leads.refresh(lead.id(), told.email(), told.phone(), told.name(), told.providerLeadId());
        }
        if (stored.messageId() != null) {
            return new StoreResult(stored.messageId(), lead.id(), true);
        }
        long messageId = messages.findId(workspaceId, provider.key(), event.message().externalId())
                .orElseThrow(() -> new IllegalStateException("message neither inserted nor found"));
        return new StoreResult(messageId, lead.id(), false);
    }

    private @Nullable Stored write(Connection connection, UUID workspaceId, Provider provider,
                                   ParsedEvent.Storable event, DeliveryLog.Entry accepted) throws SQLException {
        LeadDraft lead = event.lead();
        MessageDraft m = event.message();
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("workspaceId", workspaceId.toString());
        payload.put("provider", provider.key());
        payload.put("eventType", event.eventType());
        payload.put("channel", m.channel());
        payload.put("direction", m.direction().column());
        try (PreparedStatement st = connection.prepareStatement(STORE)) {
            // In the order of the input CTE's columns, each value once.
            int i = 0;
            st.setObject(++i, workspaceId); // workspace_id
            st.setString(++i, lead.key()); // lead_key
            st.setString(++i, lead.email()); // email
            st.setString(++i, lead.phone()); // phone
            st.setString(++i, lead.name()); // name
            st.setString(++i, lead.providerLeadId()); // provider_lead_id
            st.setString(++i, provider.key()); // provider
            st.setString(++i, m.externalId()); // external_id
            st.setString(++i, m.channel()); // channel
            st.setString(++i, m.direction().column()); // direction
            st.setString(++i, event.eventType()); // event_type
            st.setString(++i, m.subject()); // subject
            st.setString(++i, m.body()); // body
            st.setString(++i, m.fromAddress()); // from_address
            st.setString(++i, m.toAddress()); // to_address
            st.setString(++i, toJson(m.metadata())); // metadata
            if (m.sentAt() == null) { // sent_at
                st.setNull(++i, Types.TIMESTAMP_WITH_TIMEZONE);
            } else {
                st.setObject(++i, OffsetDateTime.ofInstant(m.sentAt(), ZoneOffset.UTC));
            }
            st.setString(++i, toJson(payload)); // payload
            st.setArray(++i, connection.createArrayOf("text", event.jobTypes().toArray())); // job_types
            st.setString(++i, accepted.webhookId()); // webhook_id
            st.setString(++i, accepted.outcome()); // outcome
            st.setString(++i, accepted.reason()); // reason
            st.setInt(++i, accepted.httpStatus()); // http_status
            st.setInt(++i, accepted.bodyBytes()); // body_bytes
            try (ResultSet rs = st.executeQuery()) {
                if (!rs.next()) {
                    return null;
                }
                StoredLead stored = new StoredLead(rs.getLong(1), rs.getBoolean(2), rs.getString(3), rs.getString(4),
                        rs.getString(5), rs.getString(6));
                long messageId = rs.getLong(7);
                return new Stored(stored, rs.wasNull() ? null : messageId);
            }
        }
    }

    /** Flat maps of text, booleans and whole numbers (all the readers put in) straight through the generator. */
    private String toJson(Map<String, Object> value) {
        try {
            StringWriter out = new StringWriter(128);
            try (JsonGenerator g = JSON.createGenerator(out)) {
                g.writeStartObject();
                for (Map.Entry<String, Object> e : value.entrySet()) {
                    g.writeFieldName(e.getKey());
                    switch (e.getValue()) {
                        case null -> g.writeNull();
                        case String text -> g.writeString(text);
                        case Boolean flag -> g.writeBoolean(flag);
                        case Integer number -> g.writeNumber(number);
                        case Long number -> g.writeNumber(number);
                        default -> {
                            return json.writeValueAsString(value);
                        }
                    }
                }
                g.writeEndObject();
            }
            return out.toString();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialise to JSON", e);
        }
    }

    /** What the store statement answered: the lead, and the new message's id (null: stored already). */
    private record Stored(StoredLead lead, @Nullable Long messageId) {
    }

    /** A lead as stored (fields null when just inserted: then there is nothing to refresh). */
    record StoredLead(long id, boolean inserted, @Nullable String email, @Nullable String phone,
                      @Nullable String name, @Nullable String providerLeadId) {

        /** Whether {@link LeadRepository#refresh} would change the row: a field the delivery tells and that differs. */
        boolean wouldChange(LeadDraft lead) {
            return differs(lead.email(), email) || differs(lead.phone(), phone) || differs(lead.name(), name)
                    || differs(lead.providerLeadId(), providerLeadId);
        }

        private static boolean differs(@Nullable String told, @Nullable String stored) {
            return told != null && !Objects.equals(told, stored);
        }
    }
}
