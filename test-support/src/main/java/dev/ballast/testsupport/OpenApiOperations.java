package dev.ballast.testsupport;

import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The operations of a service's generated OpenAPI document, each with a request the service will accept as
 * well-formed: path parameters filled in (a UUID where the parameter is one), declared headers given a value, and
 * a JSON body built from the schema (every property, with a value of its type), so that a test can call every
 * operation without knowing them.
 */
final class OpenApiOperations {

    private static final Set<String> METHODS = Set.of("get", "post", "put", "patch", "delete");

    /** One operation and the request that calls it. */
    record Operation(String method, String pathTemplate, String path, Map<String, String> headers,
                     String contentType, String body) {

        @Override
        public String toString() {
            return method.toUpperCase() + " " + pathTemplate;
        }
    }

    private final Map<String, Object> components;

    private OpenApiOperations(Map<String, Object> components) {
        this.components = components;
    }

    @SuppressWarnings("unchecked")
    static List<Operation> parse(String document) {
        Map<String, Object> doc = new Yaml(new LoaderOptions()).load(document);
        Map<String, Object> components = (Map<String, Object>) doc.getOrDefault("components", Map.of());
        OpenApiOperations parser = new OpenApiOperations(
                (Map<String, Object>) components.getOrDefault("schemas", Map.of()));
        Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
        List<Operation> out = new ArrayList<>();
        if (paths == null) {
            return out;
        }
        paths.forEach((template, item) -> ((Map<String, Object>) item).forEach((method, op) -> {
            if (METHODS.contains(method)) {
                out.add(parser.operation(method, template, (Map<String, Object>) op));
            }
        }));
        return out;
    }

    @SuppressWarnings("unchecked")
    private Operation operation(String method, String template, Map<String, Object> op) {
        String path = template;
        Map<String, String> headers = new LinkedHashMap<>();
        for (Object p : (List<Object>) op.getOrDefault("parameters", List.of())) {
            Map<String, Object> param = (Map<String, Object>) p;
            String name = (String) param.get("name");
            Map<String, Object> schema = (Map<String, Object>) param.getOrDefault("schema", Map.of());
            String value = parameterValue(name, schema);
            switch ((String) param.get("in")) {
                case "path" -> path = path.replace("{" + name + "}", value);
                case "header" -> headers.put(name, value);
                default -> { }
            }
        }
        String contentType = null;
        String body = null;
        Map<String, Object> requestBody = (Map<String, Object>) op.get("requestBody");
        if (requestBody != null) {
            Map<String, Object> content = (Map<String, Object>) requestBody.getOrDefault("content", Map.of());
            if (content.containsKey("application/json")) {
                contentType = "application/json";
                body = json(example((Map<String, Object>) ((Map<String, Object>) content.get("application/json"))
                        .get("schema"), 0));
            } else {
                // Raw bodies (webhooks, workflow triggers) are JSON read by the service itself.
                contentType = "application/json";
                body = "{}";
            }
        } else if (!method.equals("get") && !method.equals("delete")) {
            contentType = "application/json";
            body = "";
        }
        return new Operation(method, template, path, headers, contentType, body);
    }

    private static String parameterValue(String name, Map<String, Object> schema) {
        String lower = name.toLowerCase();
        if ("uuid".equals(schema.get("format")) || lower.contains("workspace")) {
            return UUID.randomUUID().toString();
        }
        if (lower.contains("idempotency")) {
            return "contract-" + UUID.randomUUID();
        }
        return "1";
    }

    @SuppressWarnings("unchecked")
    private Object example(Map<String, Object> schema, int depth) {
        if (schema == null || depth > 6) {
            return null;
        }
        Object ref = schema.get("$ref");
        if (ref instanceof String r && r.startsWith("#/components/schemas/")) {
            return example((Map<String, Object>) components.get(r.substring("#/components/schemas/".length())), depth + 1);
        }
        if (schema.get("enum") instanceof List<?> values && !values.isEmpty()) {
            return values.getFirst();
        }
        if (schema.get("allOf") instanceof List<?> parts && !parts.isEmpty()) {
            return example((Map<String, Object>) parts.getFirst(), depth + 1);
        }
        String type = (String) schema.getOrDefault("type", schema.containsKey("properties") ? "object" : "string");
        return switch (type) {
            case "object" -> {
                Map<String, Object> out = new LinkedHashMap<>();
                ((Map<String, Object>) schema.getOrDefault("properties", Map.of())).forEach((name, property) -> {
                    Map<String, Object> p = (Map<String, Object>) property;
                    out.put(name, name.toLowerCase().contains("workspace") && "string".equals(p.get("type"))
                            ? UUID.randomUUID().toString() : example(p, depth + 1));
                });
                yield out;
            }
            case "array" -> {
                Object item = example((Map<String, Object>) schema.get("items"), depth + 1);
                yield item == null ? List.of() : List.of(item);
            }
            case "integer", "number" -> 1;
            case "boolean" -> false;
            default -> switch (String.valueOf(schema.get("format"))) {
                case "uuid" -> UUID.randomUUID().toString();
                case "date-time" -> "2026-01-01T00:00:00Z";
                default -> "contract";
            };
        };
    }

    @SuppressWarnings("unchecked")
    private static String json(Object value) {
        return switch (value) {
            case null -> "null";
            case String s -> '"' + s.replace("\\", "\\\\").replace("\"", "\\\"") + '"';
            case Number n -> n.toString();
            case Boolean b -> b.toString();
            case Map<?, ?> m -> {
                StringBuilder out = new StringBuilder("{");
                ((Map<String, Object>) m).forEach((k, v) -> {
                    if (out.length() > 1) {
                        out.append(',');
                    }
                    out.append(json(k)).append(':').append(json(v));
                });
                yield out.append('}').toString();
            }
            case List<?> l -> {
                StringBuilder out = new StringBuilder("[");
                for (Object v : l) {
                    if (out.length() > 1) {
                        out.append(',');
                    }
                    out.append(json(v));
                }
                yield out.append(']').toString();
            }
            default -> json(value.toString());
        };
    }
}
