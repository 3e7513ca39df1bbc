package dev.ballast.webhook.intake;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.json.tree.JsonNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Reads the fields an event needs from a parsed delivery by JSON pointer. Required fields must be there with
 * the right type or the delivery is refused naming the field; optional fields are read leniently (a value of
 * an unexpected type counts as absent), because providers vary their types between events.
 */
public final class Payload {

    /** Pointers are constants of the readers, never taken from a delivery: a bounded set, split once. */
    private static final ConcurrentMap<String, String[]> STEPS = new ConcurrentHashMap<>();
    private static final DateTimeFormatter SQL_LIKE = DateTimeFormatter.ofPattern("yyyy-MM-dd[ ]['T']HH:mm:ss[.SSSSSS][.SSS]");
    private final JsonNode root;

    public Payload(JsonNode root) {
        this.root = root;
    }

    public JsonNode root() {
        return root;
    }

    /** The node at the pointer, or null when it or any parent is missing or not an object. */
    public @Nullable JsonNode node(String pointer) {
        JsonNode node = root;
        for (String step : steps(pointer)) {
            if (node == null || !node.isObject()) {
                return null;
            }
            node = node.get(step);
        }
        return node == null || node.isNull() ? null : node;
    }

    public boolean has(String pointer) {
        return node(pointer) != null;
    }

    /** A required node: every parent must be an object, and the node itself present and not null. */
    public JsonNode required(String pointer) throws InvalidPayloadException {
        JsonNode node = root;
        String[] steps = steps(pointer);
        for (int i = 0; i < steps.length; i++) {
            if (!node.isObject()) {
                throw InvalidPayloadException.wrongType(i == 0 ? "/" : prefix(steps, i), "an object");
            }
            node = node.get(steps[i]);
            if (node == null || node.isNull()) {
                throw InvalidPayloadException.missing(prefix(steps, i + 1));
            }
        }
        return node;
    }

    public JsonNode requiredObject(String pointer) throws InvalidPayloadException {
        JsonNode node = required(pointer);
        if (!node.isObject()) {
            throw InvalidPayloadException.wrongType(pointer, "an object");
        }
        return node;
    }

    public String requiredText(String pointer) throws InvalidPayloadException {
        JsonNode node = required(pointer);
        if (!node.isString()) {
            throw InvalidPayloadException.wrongType(pointer, "a string");
        }
        String value = StoredText.nonBlank(node.getStringValue());
        if (value == null) {
            throw new InvalidPayloadException("blank_field", pointer, "field " + pointer + " must not be blank");
        }
        return value;
    }

    /** A provider id: a JSON integer (or a string of digits, as some senders quote numbers). */
    public String requiredId(String pointer) throws InvalidPayloadException {
        String id = integerText(required(pointer));
        if (id == null) {
            throw InvalidPayloadException.wrongType(pointer, "an integer id");
        }
        return id;
    }

    /** A string, or a number or boolean as text; null for anything else. */
    public @Nullable String optionalText(String pointer) {
        JsonNode node = node(pointer);
        if (node == null) {
            return null;
        }
        if (node.isString()) {
            return StoredText.clean(node.getStringValue());
        }
        if (node.isNumber() || node.isBoolean()) {
            return node.coerceStringValue();
        }
        return null;
    }

    public @Nullable String optionalNonBlank(String pointer) {
        return StoredText.nonBlank(optionalText(pointer));
    }

    public @Nullable Boolean optionalBoolean(String pointer) {
        JsonNode node = node(pointer);
        return node != null && node.isBoolean() ? node.getBooleanValue() : null;
    }

    /** An id that is there and integral, or null. */
    public @Nullable String optionalId(String pointer) {
        JsonNode node = node(pointer);
        return node == null ? null : integerText(node);
    }

    /** A timestamp in one of the shapes providers use (ISO-8601 with or without offset, SQL-like UTC, epoch), or null. */
    public @Nullable Instant optionalInstant(String pointer) {
        JsonNode node = node(pointer);
        if (node == null) {
            return null;
        }
        if (node.isNumber()) {
            long v = node.getLongValue();
            // Milliseconds when it cannot be seconds of this era.
            return v > 100_000_000_000L ? Instant.ofEpochMilli(v) : Instant.ofEpochSecond(v);
        }
        if (!node.isString()) {
            return null;
        }
        String s = node.getStringValue().strip();
        Instant common = IsoTimestamp.parse(s);
        if (common != null) {
            return common;
        }
        try {
            return OffsetDateTime.parse(s).toInstant();
        } catch (DateTimeParseException ignored) {
            // next shape
        }
        try {
            return Instant.parse(s);
        } catch (DateTimeParseException ignored) {
            // next shape
        }
        try {
            return LocalDateTime.parse(s, SQL_LIKE).toInstant(ZoneOffset.UTC);
        } catch (DateTimeParseException ignored) {
            return null;
        }
    }

    private static @Nullable String integerText(JsonNode node) {
        if (node.isNumber()) {
            Number n = node.getNumberValue();
            if (n instanceof Integer || n instanceof Long || n instanceof Short || n instanceof Byte) {
                return Long.toString(n.longValue());
            }
            if (n instanceof BigInteger b) {
                return b.toString();
            }
            if (n instanceof BigDecimal d && d.stripTrailingZeros().scale() <= 0 && d.scale() <= 0) {
                return d.toBigIntegerExact().toString();
            }
            return null;
        }
        if (node.isString()) {
            String s = node.getStringValue().strip();
            return !s.isEmpty() && s.length() <= 40 && s.chars().allMatch(c -> c >= '0' && c <= '9') ? s : null;
        }
        return null;
    }

    private static String[] steps(String pointer) {
        return STEPS.computeIfAbsent(pointer,
                p -> p.isEmpty() || p.equals("/") ? new String[0] : p.substring(1).split("/"));
    }

    /** The pointer of the first {@code n} steps. */
    private static String prefix(String[] steps, int n) {
        return "/" + String.join("/", Arrays.asList(steps).subList(0, n));
    }
}
