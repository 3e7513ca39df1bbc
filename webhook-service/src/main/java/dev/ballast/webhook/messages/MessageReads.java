package dev.ballast.webhook.messages;

import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.webhook.intake.StoredText;
import dev.ballast.webhook.api.WebhookOperations.AnnotationView;
import dev.ballast.webhook.api.WebhookOperations.MessagePage;
import dev.ballast.webhook.api.WebhookOperations.MessageView;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpStatus;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import dev.ballast.resilience.db.DbRetry;
import io.micronaut.transaction.TransactionDefinition;
import io.micronaut.transaction.TransactionOperations;
import jakarta.inject.Singleton;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/** Messages and their annotations as other services see them; every query is scoped by workspace. */
@Singleton
public final class MessageReads {

    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final TransactionOperations<Connection> tx;
    private final DbRetry retry;
    private final MessageRepository messages;
    private final LeadRepository leads;
    private final AnnotationRepository annotations;
    private final JsonMapper json;
    private final ReadApiSettings settings;

    MessageReads(TransactionOperations<Connection> tx, DbRetry retry, MessageRepository messages, LeadRepository leads,
                 AnnotationRepository annotations, JsonMapper json, ReadApiSettings settings) {
        this.tx = tx;
        this.retry = retry;
        this.messages = messages;
        this.leads = leads;
        this.annotations = annotations;
        this.json = json;
        this.settings = settings;
    }

    public MessageView message(UUID workspaceId, long id) {
        return retry.transaction("message-read", tx, TransactionDefinition.READ_ONLY, status -> {
            Message m = messages.find(id, workspaceId).orElseThrow(() -> ProblemException.notFound("message " + id));
            Map<String, AnnotationView> byKind = new LinkedHashMap<>();
            for (AnnotationRow a : annotations.findAll(id, workspaceId)) {
                byKind.put(a.kind(), view(a));
            }
            return view(m, byKind);
        });
    }

    public MessagePage leadMessages(UUID workspaceId, long leadId, @Nullable Long after, @Nullable Integer limit) {
        int size = limit == null ? settings.defaultPageSize() : limit;
        if (size < 1 || size > settings.maxPageSize()) {
            throw new ProblemException(ProblemDetails.of(HttpStatus.BAD_REQUEST, "invalid_limit",
                    "limit must be between 1 and " + settings.maxPageSize()));
        }
        return retry.transaction("lead-messages-read", tx, TransactionDefinition.READ_ONLY, status -> {
            if (!leads.exists(leadId, workspaceId)) {
                throw ProblemException.notFound("lead " + leadId);
            }
            // One extra row tells whether there is a next page.
            List<Message> rows = messages.findByLead(workspaceId, leadId, after == null ? 0 : after, size + 1);
            List<MessageView> items = new ArrayList<>();
            for (Message m : rows.subList(0, Math.min(size, rows.size()))) {
                items.add(view(m, null));
            }
            Long next = rows.size() > size ? items.getLast().id() : null;
            return new MessagePage(items, next);
        });
    }

    public AnnotationView annotate(UUID workspaceId, long messageId, String kind, @Nullable byte[] body) {
        if (!KIND.matcher(kind).matches()) {
            throw ProblemException.badRequest("invalid_kind",
                    "an annotation kind is 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
        }
        if (body == null || body.length == 0) {
            throw ProblemException.badRequest("empty_body", "the annotation value (any JSON) is required");
        }
        if (body.length > settings.maxAnnotationBytes()) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                    "an annotation is at most " + settings.maxAnnotationBytes() + " bytes");
        }
        String value = storable(body);
        return retry.transaction("message-annotate", tx, TransactionDefinition.DEFAULT, status -> {
            if (messages.find(messageId, workspaceId).isEmpty()) {
                throw ProblemException.notFound("message " + messageId);
            }
            annotations.upsert(messageId, kind, workspaceId, value);
            return view(annotations.find(messageId, kind, workspaceId).orElseThrow());
        });
    }

    /** The value re-serialised with NULs and lone surrogates replaced, which jsonb cannot hold. */
    private String storable(byte[] body) {
        JsonNode node;
        try {
            node = json.readValue(body, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            throw ProblemException.badRequest("malformed_json", "the annotation value is not well-formed JSON");
        }
        if (node == null) {
            throw ProblemException.badRequest("malformed_json", "the annotation value is not well-formed JSON");
        }
        try {
            return json.writeValueAsString(clean(node));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode clean(JsonNode node) {
        if (node.isString()) {
            return JsonNode.createStringNode(StoredText.clean(node.getStringValue()));
        }
        if (node.isArray()) {
            List<JsonNode> out = new ArrayList<>();
            node.values().forEach(v -> out.add(clean(v)));
            return JsonNode.createArrayNode(out);
        }
        if (node.isObject()) {
            Map<String, JsonNode> out = new LinkedHashMap<>();
            node.entries().forEach(e -> out.put(StoredText.clean(e.getKey()), clean(e.getValue())));
            return JsonNode.createObjectNode(out);
        }
        return node;
    }

    private MessageView view(Message m, @Nullable Map<String, AnnotationView> annotationsByKind) {
        return new MessageView(m.id(), m.workspaceId(), m.leadId(), m.provider(), m.externalId(), m.channel(),
                m.direction(), m.eventType(), m.subject(), m.body(), m.fromAddress(), m.toAddress(),
                parse(m.metadata()), m.sentAt(), m.receivedAt(), annotationsByKind);
    }

    private AnnotationView view(AnnotationRow a) {
        return new AnnotationView(a.kind(), parse(a.value()), a.updatedAt());
    }

    private JsonNode parse(String jsonText) {
        try {
            return json.readValue(jsonText, JsonNode.class);
        } catch (IOException e) {
            throw new UncheckedIOException("stored JSON does not parse", e);
        }
    }
}
