package dev.ballast.jobs.queue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.util.JsonRecyclerPools;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns a claimed job's payload text (jsonb as PostgreSQL prints it, so always well-formed) into the handler's
 * {@link JsonNode} in one streaming pass of a shared Jackson parser factory, without the generic mapper's
 * deserializer machinery and its per-thread buffers (profiled at about half of running a no-op job).
 */
final class PayloadReader {

    // Buffers from a shared pool: every job runs on a fresh virtual thread, so the default per-thread pool would
    // allocate new parser buffers for each one. Parse errors need no copy of the payload in their location.
    private static final JsonFactory FACTORY = JsonFactory.builder()
            .recyclerPool(JsonRecyclerPools.sharedConcurrentDequePool())
            .disable(StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION)
            .build();

    private PayloadReader() {
    }

    static @Nullable JsonNode read(String json) throws IOException {
        try (JsonParser p = FACTORY.createParser(json)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new JsonParseException(p, "empty payload");
            }
            // As the mapper did: a bare null payload reaches the handler as null, a nested one as a JSON null.
            JsonNode node = first == JsonToken.VALUE_NULL ? null : value(p, first);
            if (p.nextToken() != null) {
                throw new JsonParseException(p, "trailing content after the payload");
            }
            return node;
        }
    }

    private static JsonNode value(JsonParser p, JsonToken t) throws IOException {
        return switch (t) {
            case START_OBJECT -> {
                Map<String, JsonNode> fields = new LinkedHashMap<>();
                String name;
                while ((name = p.nextFieldName()) != null) {
                    fields.put(name, value(p, p.nextToken()));
                }
                yield JsonNode.createObjectNode(fields);
            }
            case START_ARRAY -> {
                List<JsonNode> items = new ArrayList<>();
                JsonToken next;
                while ((next = p.nextToken()) != JsonToken.END_ARRAY) {
                    items.add(value(p, next));
                }
                yield JsonNode.createArrayNode(items);
            }
            case VALUE_STRING -> JsonNode.createStringNode(p.getText());
            case VALUE_NUMBER_INT -> switch (p.getNumberType()) {
                case INT -> JsonNode.createNumberNode(p.getIntValue());
                case LONG -> JsonNode.createNumberNode(p.getLongValue());
                default -> JsonNode.createNumberNode(p.getBigIntegerValue());
            };
            case VALUE_NUMBER_FLOAT -> number(p);
            case VALUE_TRUE -> JsonNode.createBooleanNode(true);
            case VALUE_FALSE -> JsonNode.createBooleanNode(false);
            case VALUE_NULL -> JsonNode.nullNode();
            default -> throw new JsonParseException(p, "unexpected token " + t);
        };
    }

    private static JsonNode number(JsonParser p) throws IOException {
        double d = p.getDoubleValue();
        // A fraction a double cannot hold (jsonb keeps numeric precision) stays exact.
        if (Double.isInfinite(d)) {
            return JsonNode.createNumberNode(p.getDecimalValue());
        }
        return JsonNode.createNumberNode(d);
    }
}
