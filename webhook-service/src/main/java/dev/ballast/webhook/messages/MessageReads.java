package dev.ballast.webhook.messages;

import dev.ballast.resilience.api.ProblemDetails;
import dev.ballast.resilience.api.ProblemException;
import dev.ballast.webhook.intake.StoredText;
import dev.ballast.webhook.api.WebhookOperations.AnnotationView;
import dev.ballast.webhook.api.WebhookOperations.AnnotationsWritten;
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
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.regex.Pattern;

/** Messages and their annotations as other services see them; every query is scoped by workspace. */
@Singleton
public final class MessageReads {

    /** The most annotations one {@link #annotateAll} call may set. */
    static final int MAX_KINDS_PER_CALL = 32;

    private static final Pattern KIND = Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}");

    private final TransactionOperations<Connection> tx;
    private final DbRetry retry;
    private final MessageRepository messages;
    private final LeadRepository leads;
    private final AnnotationRepository annotations;
    private final JsonMapper json;
    private final ReadApiSettings settings;
    private final AnnotationWriter writer;

    MessageReads(TransactionOperations<Connection> tx, DbRetry retry, MessageRepository messages, LeadRepository leads,
                 AnnotationRepository annotations, JsonMapper json, ReadApiSettings settings,
                 AnnotationWriter writer) {
        this.tx = tx;
        this.retry = retry;
        this.messages = messages;
        this.leads = leads;
        this.annotations = annotations;
        this.json = json;
        this.settings = settings;
        this.writer = writer;
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
        checkKind(kind);
        if (body == null || body.length == 0) {
            throw ProblemException.badRequest("empty_body", "the annotation value (any JSON) is required");
        }
        if (body.length > settings.maxAnnotationBytes()) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                    "an annotation is at most " + settings.maxAnnotationBytes() + " bytes");
        }
        String value = storable(body);
        return view(write(workspaceId, messageId, Map.of(kind, value)).get(kind));
    }

    /** Several annotations of one message in one statement: all or none (see {@code WebhookOperations#annotateAll}). */
    public AnnotationsWritten annotateAll(UUID workspaceId, long messageId, @Nullable byte[] body) {
        if (body == null || body.length == 0) {
            throw ProblemException.badRequest("empty_body", "a JSON object of annotation kind to value is required");
        }
        if (body.length > (long) settings.maxAnnotationBytes() * MAX_KINDS_PER_CALL) {
            throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                    "at most " + MAX_KINDS_PER_CALL + " annotations of " + settings.maxAnnotationBytes() + " bytes each");
        }
        JsonNode all = parsed(body);
        if (!all.isObject() || all.size() == 0) {
            throw ProblemException.badRequest("not_an_object", "a JSON object of annotation kind to value is required");
        }
        if (all.size() > MAX_KINDS_PER_CALL) {
            throw ProblemException.badRequest("too_many_annotations",
                    "at most " + MAX_KINDS_PER_CALL + " annotations in one call");
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> e : all.entries()) {
            checkKind(e.getKey());
            if (e.getValue().isNull()) {
                throw ProblemException.badRequest("empty_body", "annotation " + e.getKey() + " has no value");
            }
            String value = serialised(clean(e.getValue()));
            if (value.getBytes(StandardCharsets.UTF_8).length > settings.maxAnnotationBytes()) {
                throw new ProblemException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "body_too_large",
                        "annotation " + e.getKey() + " is over " + settings.maxAnnotationBytes() + " bytes");
            }
            values.put(e.getKey(), value);
        }
        Map<String, Instant> updatedAt = new LinkedHashMap<>();
        write(workspaceId, messageId, values).forEach((kind, row) -> updatedAt.put(kind, row.updatedAt()));
        return new AnnotationsWritten(messageId, updatedAt);
    }

    private Map<String, AnnotationRow> write(UUID workspaceId, long messageId, Map<String, String> values) {
        // Usually one statement. A row another writer inserted with the same value after the statement's snapshot
        // is not visible to it, so a short answer is asked again: the next statement's snapshot sees that row, and a
        // second empty answer means the message is not the workspace's.
        for (int run = 0; run < 3; run++) {
            Map<String, AnnotationRow> written = writer.write(messageId, workspaceId, values);
            if (written.size() == values.size()) {
                return written;
            }
            if (written.isEmpty() && run > 0) {
                throw ProblemException.notFound("message " + messageId);
            }
        }
        throw new ProblemException(HttpStatus.SERVICE_UNAVAILABLE, "concurrent_annotation_write",
                "other writers kept changing these annotations; try again");
    }

    private static void checkKind(String kind) {
        if (!KIND.matcher(kind).matches()) {
            throw ProblemException.badRequest("invalid_kind",
                    "an annotation kind is 1 to 64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit");
        }
    }

    /** The value re-serialised with NULs and lone surrogates replaced, which jsonb cannot hold. */
    private String storable(byte[] body) {
        return serialised(clean(parsed(body)));
    }

    private JsonNode parsed(byte[] body) {
        JsonNode node;
        try {
            node = json.readValue(body, JsonNode.class);
        } catch (IOException | RuntimeException e) {
            throw ProblemException.badRequest("malformed_json", "the annotation value is not well-formed JSON");
        }
        if (node == null) {
            throw ProblemException.badRequest("malformed_json", "the annotation value is not well-formed JSON");
        }
        return node;
    }

    private String serialised(JsonNode node) {
        try {
            return json.writeValueAsString(node);
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
