package dev.ballast.jobs.workflow;

import io.micronaut.json.tree.JsonNode;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * SHA-256 of a trigger's canonical JSON: object keys sorted (by UTF-16 code units), no whitespace, numbers by value
 * ({@code 1}, {@code 1.0} and {@code 1e0} are one number), strings JSON-escaped. Two triggers that mean the same are
 * one trigger, whatever their key order or formatting.
 */
public final class TriggerHash {

    private TriggerHash() {
    }

    public static String of(JsonNode trigger) {
        StringBuilder out = new StringBuilder();
        canonical(trigger, out);
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(out.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is always available", e);
        }
    }

    static String canonical(JsonNode node) {
        StringBuilder out = new StringBuilder();
        canonical(node, out);
        return out.toString();
    }

    private static void canonical(JsonNode node, StringBuilder out) {
        if (node == null || node.isNull()) {
            out.append("null");
        } else if (node.isBoolean()) {
            out.append(node.getBooleanValue());
        } else if (node.isNumber()) {
            BigDecimal n = new BigDecimal(node.getNumberValue().toString()).stripTrailingZeros();
            out.append(n.signum() == 0 ? "0" : n.toString());
        } else if (node.isString()) {
            string(node.getStringValue(), out);
        } else if (node.isArray()) {
            out.append('[');
            boolean first = true;
            for (JsonNode v : node.values()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                canonical(v, out);
            }
            out.append(']');
        } else {
            Map<String, JsonNode> sorted = new TreeMap<>();
            node.entries().forEach(e -> sorted.put(e.getKey(), e.getValue()));
            out.append('{');
            boolean first = true;
            for (Map.Entry<String, JsonNode> e : sorted.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(e.getKey(), out);
                out.append(':');
                canonical(e.getValue(), out);
            }
            out.append('}');
        }
    }

    private static void string(String s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
