package dev.ballast.webhook.ghl;

import dev.ballast.webhook.intake.InvalidPayloadException;
import dev.ballast.webhook.intake.LeadDraft;
import dev.ballast.webhook.intake.MessageDraft;
import dev.ballast.webhook.intake.MessageDraft.Direction;
import dev.ballast.webhook.intake.ParsedEvent;
import dev.ballast.webhook.intake.Payload;
import dev.ballast.webhook.intake.Provider;
import dev.ballast.webhook.intake.ProviderEventReader;
import dev.ballast.webhook.intake.StoredText;
import dev.ballast.webhook.outbox.JobTypes;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * GHL (HighLevel) SMS deliveries, in two shapes: the {@code InboundMessage} webhook (keyed by its
 * {@code messageId}) and the workflow "custom webhook" action, which carries no message id and is keyed by a
 * hash of workspace, contact, workflow, date_created, customData and the whitespace-normalised body. The
 * lead is the GHL contact: InboundMessage payloads carry no address to key it by.
 */
@Singleton
public final class GhlEventReader implements ProviderEventReader {

    static final String INBOUND_MESSAGE = "inboundmessage";
    static final String WORKFLOW_WEBHOOK = "workflow_webhook";
    static final Set<String> KNOWN_IGNORED = Set.of("outboundmessage", "contactcreate", "contactupdate",
            "contactdelete", "contacttagupdate", "contactdndupdate", "conversationunreadupdate", "notecreate",
            "taskcreate", "opportunitycreate", "opportunitystatusupdate");
    static final String APPOINTMENT_CREATE = "appointmentcreate";
    private static final int MAX_EVENT_TYPE_LENGTH = 100;

    @Override
    public Provider provider() {
        return Provider.GHL;
    }

    @Override
    public ParsedEvent read(Payload p, UUID workspaceId) throws InvalidPayloadException {
        if (p.has("/type")) {
            String type = p.requiredText("/type").toLowerCase(Locale.ROOT);
            type = type.length() > MAX_EVENT_TYPE_LENGTH ? type.substring(0, MAX_EVENT_TYPE_LENGTH) : type;
            if (type.equals(INBOUND_MESSAGE)) {
                return inboundMessage(p);
            }
            if (type.equals(APPOINTMENT_CREATE)) {
                return appointment(p);
            }
            return new ParsedEvent.Ignored(p.requiredText("/locationId"), type, KNOWN_IGNORED.contains(type));
        }
        if (p.has("/contact_id") || p.has("/workflow") || p.has("/location")) {
            return workflowWebhook(p, workspaceId);
        }
        throw InvalidPayloadException.missing("/type");
    }

    private ParsedEvent inboundMessage(Payload p) throws InvalidPayloadException {
        String locationId = p.requiredText("/locationId");
        String contactId = p.requiredText("/contactId");
        String messageId = p.requiredText("/messageId");
        Direction direction = "outbound".equalsIgnoreCase(p.optionalNonBlank("/direction"))
                ? Direction.OUTBOUND : Direction.INBOUND;
        String messageType = p.optionalNonBlank("/messageType");
        Map<String, Object> metadata = new LinkedHashMap<>();
        metadata.put("contactId", contactId);
        putIfPresent(metadata, "conversationId", p.optionalNonBlank("/conversationId"));
        putIfPresent(metadata, "messageType", messageType);
        putIfPresent(metadata, "contentType", p.optionalNonBlank("/contentType"));
        putIfPresent(metadata, "status", p.optionalNonBlank("/status"));
        JsonNode attachments = p.node("/attachments");
        if (attachments != null && attachments.isArray()) {
            metadata.put("attachments", attachments.size());
        }
        String channel = messageType == null ? "sms" : messageType.toLowerCase(Locale.ROOT);
        MessageDraft message = new MessageDraft("message:" + messageId, channel, direction, null,
                p.optionalText("/body"), null, null, p.optionalInstant("/dateAdded"), metadata);
        return new ParsedEvent.Storable(locationId, INBOUND_MESSAGE,
                LeadDraft.byGhlContact(contactId, null, p.optionalNonBlank("/phone"), null), message,
                List.of(direction == Direction.INBOUND ? JobTypes.SMS_INBOUND_POST_PROCESS
                        : JobTypes.SMS_OUTBOUND_POST_PROCESS));
    }

    /** A GHL appointment: the booked lead is its contact, the appointment id keys the booking. */
    private ParsedEvent appointment(Payload p) throws InvalidPayloadException {
        String locationId = p.requiredText("/locationId");
        String appointmentId = p.requiredText("/appointment/id");
        String contactId = p.requiredText("/appointment/contactId");
        return new ParsedEvent.Booking(locationId, APPOINTMENT_CREATE,
                LeadDraft.byGhlContact(contactId, null, null, null), appointmentId,
                p.optionalInstant("/appointment/startTime"));
    }

    private ParsedEvent workflowWebhook(Payload p, UUID workspaceId) throws InvalidPayloadException {
        String contactId = p.requiredText("/contact_id");
        String locationId = p.requiredText("/location/id");
        JsonNode bodyNode = p.required("/message/body");
        if (!bodyNode.isString()) {
            throw InvalidPayloadException.wrongType("/message/body", "a string");
        }
        String body = StoredText.clean(bodyNode.getStringValue());
        String workflowId = p.optionalNonBlank("/workflow/id");
        String key = workflowKey(workspaceId, contactId, workflowId, canonical(p.node("/date_created")),
                canonical(p.node("/customData")), body);
        Map<String, Object> metadata = new LinkedHashMap<>();
        putIfPresent(metadata, "workflowId", workflowId);
        putIfPresent(metadata, "workflowName", p.optionalNonBlank("/workflow/name"));
        MessageDraft message = new MessageDraft("workflow:" + key, "sms", Direction.INBOUND, null, body,
                p.optionalNonBlank("/phone"), null, null, metadata);
        String name = p.optionalNonBlank("/full_name");
        return new ParsedEvent.Storable(locationId, WORKFLOW_WEBHOOK,
                LeadDraft.byGhlContact(contactId, p.optionalNonBlank("/email"), p.optionalNonBlank("/phone"), name),
                message, List.of(JobTypes.SMS_INBOUND_POST_PROCESS));
    }

    /** SHA-256 over length-prefixed parts, so that no two different field sets share a key. */
    static String workflowKey(UUID workspaceId, String contactId, @Nullable String workflowId, String dateCreated,
                              String customData, String body) {
        List<String> parts = new ArrayList<>(List.of(workspaceId.toString(), contactId,
                workflowId == null ? "" : workflowId, dateCreated, customData, normaliseWhitespace(body)));
        StringBuilder material = new StringBuilder("ghl-workflow-webhook:v1");
        for (String part : parts) {
            material.append('|').append(part.length()).append(':').append(part);
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(material.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    static String normaliseWhitespace(String body) {
        return body.strip().replaceAll("(?U)\\s+", " ");
    }

    /** JSON with object keys sorted, so that key order does not change the key. Empty string for absent. */
    static String canonical(@Nullable JsonNode node) {
        if (node == null) {
            return "";
        }
        StringBuilder out = new StringBuilder();
        writeCanonical(node, out);
        return out.toString();
    }

    private static void writeCanonical(JsonNode node, StringBuilder out) {
        if (node.isNull()) {
            out.append("null");
        } else if (node.isBoolean()) {
            out.append(node.getBooleanValue());
        } else if (node.isNumber()) {
            out.append(node.getNumberValue());
        } else if (node.isString()) {
            quote(node.getStringValue(), out);
        } else if (node.isArray()) {
            out.append('[');
            boolean first = true;
            for (JsonNode v : node.values()) {
                out.append(first ? "" : ",");
                first = false;
                writeCanonical(v, out);
            }
            out.append(']');
        } else {
            List<Map.Entry<String, JsonNode>> entries = new ArrayList<>();
            node.entries().forEach(entries::add);
            entries.sort(Map.Entry.comparingByKey());
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : entries) {
                out.append(first ? "" : ",");
                first = false;
                quote(e.getKey(), out);
                out.append(':');
                writeCanonical(e.getValue(), out);
            }
            out.append('}');
        }
    }

    private static void quote(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                out.append('\\').append(c);
            } else if (c < 0x20) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        out.append('"');
    }

    private static void putIfPresent(Map<String, Object> m, String key, @Nullable Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
