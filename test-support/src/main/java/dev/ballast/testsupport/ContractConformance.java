package dev.ballast.testsupport;

import io.micronaut.core.beans.BeanIntrospection;
import io.micronaut.core.beans.BeanIntrospector;
import io.micronaut.core.beans.BeanProperty;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.Head;
import io.micronaut.http.annotation.Header;
import io.micronaut.http.annotation.Patch;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.http.annotation.QueryValue;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Parameter;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.fail;

/**
 * Checks that a service's contract interface and the OpenAPI document its build generated from the implementing
 * controller say the same thing: every operation of the contract is in the document with the same method, path,
 * path/header/query parameters and parameter types, the same request body schema and the same success body schema
 * (property names, types, and which properties are required). The document is what other teams and tools read, and
 * the controller's own annotations can override what it inherits, so this is where a contract and its
 * implementation drift apart unnoticed.
 */
public final class ContractConformance {

    private static final Pattern QUERY_PART = Pattern.compile("\\{[?&]([^}]*)}");
    private static final Pattern PATH_VARIABLE = Pattern.compile("\\{[+#./;]?([A-Za-z0-9_]+)[^}]*}");
    private static final List<Class<? extends Annotation>> HTTP_METHODS =
            List.of(Get.class, Post.class, Put.class, Delete.class, Patch.class, Head.class);

    private final Map<String, Object> document;
    private final String documentName;

    private ContractConformance(String documentName, Map<String, Object> document) {
        this.documentName = documentName;
        this.document = document;
    }

    /** The document under {@code META-INF/swagger/} on the class path, as the OpenAPI processor wrote it. */
    public static ContractConformance ofGeneratedDocument(String fileName) {
        String resource = "META-INF/swagger/" + fileName;
        try (InputStream in = Thread.currentThread().getContextClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new AssertionError(resource + " is not on the class path: did the OpenAPI processor run?");
            }
            return ofYaml(fileName, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An OpenAPI 3 document given as YAML (or JSON) text. */
    public static ContractConformance ofYaml(String name, String yaml) {
        Map<String, Object> parsed = new Yaml(new LoaderOptions()).load(yaml);
        return new ContractConformance(name, parsed == null ? Map.of() : parsed);
    }

    /** Fails, listing every difference, unless {@link #differences} finds none. */
    public void assertImplementedAsDocumented(Class<?> contract, Class<?> controller) {
        List<String> found = differences(contract, controller);
        if (!found.isEmpty()) {
            fail(contract.getSimpleName() + " and " + documentName + " (from " + controller.getSimpleName()
                    + ") disagree:\n  " + String.join("\n  ", found));
        }
    }

    /** Every way in which the document does not show {@code contract} as {@code controller} implements it. */
    public List<String> differences(Class<?> contract, Class<?> controller) {
        List<String> out = new ArrayList<>();
        if (!contract.isInterface()) {
            out.add(contract.getName() + " is not an interface");
            return out;
        }
        if (!contract.isAssignableFrom(controller)) {
            out.add(controller.getName() + " does not implement " + contract.getName());
        }
        Controller annotation = controller.getAnnotation(Controller.class);
        if (annotation == null) {
            out.add(controller.getName() + " is not a @Controller");
        }
        String base = annotation == null ? "/" : annotation.value();
        if (!base.isEmpty() && !"/".equals(base)) {
            // Callers' clients use the contract's paths from the service root: a prefix here would 404 them all.
            out.add(controller.getSimpleName() + " mounts the contract under " + base
                    + ", but callers call the contract's paths as they stand");
        }
        List<Method> operations = Arrays.stream(contract.getMethods())
                .filter(m -> Modifier.isAbstract(m.getModifiers()))
                .sorted(Comparator.comparing(Method::getName))
                .toList();
        if (operations.isEmpty()) {
            out.add(contract.getName() + " declares no operation");
        }
        for (Method m : operations) {
            operation(m, out);
        }
        return out;
    }

    private void operation(Method m, List<String> out) {
        String where = m.getDeclaringClass().getSimpleName() + "." + m.getName() + ": ";
        List<Annotation> verbs = HTTP_METHODS.stream().<Annotation>map(m::getAnnotation).filter(Objects::nonNull).toList();
        if (verbs.size() != 1) {
            out.add(where + "needs exactly one HTTP method annotation, has " + verbs.size());
            return;
        }
        Annotation verb = verbs.getFirst();
        String template = uri(verb);
        Set<String> queryInTemplate = new TreeSet<>();
        Matcher q = QUERY_PART.matcher(template);
        while (q.find()) {
            for (String name : q.group(1).split(",")) {
                queryInTemplate.add(name.strip());
            }
        }
        String path = QUERY_PART.matcher(template).replaceAll("");
        Set<String> pathVariables = new TreeSet<>();
        Matcher v = PATH_VARIABLE.matcher(path);
        while (v.find()) {
            pathVariables.add(v.group(1));
        }
        String docPath = PATH_VARIABLE.matcher(path).replaceAll("{$1}");
        String method = verb.annotationType().getSimpleName().toLowerCase(Locale.ROOT);
        Map<String, Object> item = map(map(document.get("paths")).get(docPath));
        Map<String, Object> op = map(item.get(method));
        if (op.isEmpty()) {
            out.add(where + method.toUpperCase(Locale.ROOT) + " " + docPath + " is not in the document");
            return;
        }
        String at = where + method.toUpperCase(Locale.ROOT) + " " + docPath + ": ";

        Map<String, Type> expected = new LinkedHashMap<>();
        Type body = null;
        for (Parameter p : m.getParameters()) {
            if (p.isAnnotationPresent(Body.class)) {
                body = p.getParameterizedType();
            } else if (p.isAnnotationPresent(Header.class)) {
                Header h = p.getAnnotation(Header.class);
                expected.put("header " + firstNonBlank(h.value(), h.name(), p.getName()), p.getParameterizedType());
            } else if (p.isAnnotationPresent(QueryValue.class)) {
                expected.put("query " + firstNonBlank(p.getAnnotation(QueryValue.class).value(), p.getName()),
                        p.getParameterizedType());
            } else if (p.isAnnotationPresent(PathVariable.class)) {
                PathVariable pv = p.getAnnotation(PathVariable.class);
                expected.put("path " + firstNonBlank(pv.value(), pv.name(), p.getName()), p.getParameterizedType());
            } else if (pathVariables.contains(p.getName())) {
                expected.put("path " + p.getName(), p.getParameterizedType());
            } else {
                expected.put("query " + p.getName(), p.getParameterizedType());
            }
        }
        for (String name : queryInTemplate) {
            if (!expected.containsKey("query " + name)) {
                out.add(at + "the URI template names query value " + name + " that no parameter binds");
            }
        }
        Map<String, Map<String, Object>> documented = new LinkedHashMap<>();
        for (Object o : list(op.get("parameters"))) {
            Map<String, Object> p = map(o);
            documented.put(p.get("in") + " " + p.get("name"), p);
        }
        if (!documented.keySet().equals(expected.keySet())) {
            out.add(at + "parameters " + new TreeSet<>(documented.keySet()) + " documented, the contract has "
                    + new TreeSet<>(expected.keySet()));
        }
        expected.forEach((key, type) -> {
            Map<String, Object> p = documented.get(key);
            if (p != null) {
                if (key.startsWith("path ") && !Boolean.TRUE.equals(p.get("required"))) {
                    out.add(at + key + " is not documented as required");
                }
                schema(map(p.get("schema")), type, at + key, out);
            }
        });

        Map<String, Object> requestBody = map(op.get("requestBody"));
        if (body == null && !requestBody.isEmpty()) {
            out.add(at + "a request body is documented, the contract takes none");
        } else if (body != null && requestBody.isEmpty()) {
            out.add(at + "the contract takes a body, the document has none");
        } else if (body != null) {
            contents(map(requestBody.get("content")), body, at + "request body", out);
        }

        Type answer = answerType(m.getGenericReturnType());
        if (answer != null) {
            Map<String, Object> success = successResponse(map(op.get("responses")));
            if (success == null) {
                out.add(at + "no 2xx answer is documented");
            } else {
                contents(map(success.get("content")), answer, at + "answer", out);
            }
        }
    }

    private void contents(Map<String, Object> content, Type type, String where, List<String> out) {
        if (content.isEmpty()) {
            out.add(where + ": no content is documented");
        }
        content.forEach((mediaType, value) -> schema(map(map(value).get("schema")), type, where + " (" + mediaType + ")", out));
    }

    /** Compares a documented schema with a Java type, structurally, recursing through records and collections. */
    private void schema(Map<String, Object> schema, Type type, String where, List<String> out) {
        schema(schema, type, where, out, new TreeSet<>());
    }

    private void schema(Map<String, Object> raw, Type type, String where, List<String> out, Set<String> seen) {
        Map<String, Object> schema = resolve(raw);
        Class<?> raw0 = rawClass(type);
        String documentedType = (String) schema.get("type");
        if (raw0 == byte[].class) {
            expectType(where, schema, "string", out);
            return;
        }
        if (type instanceof ParameterizedType pt && Collection.class.isAssignableFrom(raw0)) {
            if (expectType(where, schema, "array", out)) {
                schema(map(schema.get("items")), pt.getActualTypeArguments()[0], where + "[]", out, seen);
            }
            return;
        }
        if (type instanceof GenericArrayType || (raw0.isArray())) {
            expectType(where, schema, "array", out);
            return;
        }
        if (type instanceof ParameterizedType pt && Map.class.isAssignableFrom(raw0)) {
            if (expectType(where, schema, "object", out)) {
                schema(map(schema.get("additionalProperties")), pt.getActualTypeArguments()[1], where + "{}", out, seen);
            }
            return;
        }
        String scalar = scalarType(raw0);
        if (scalar != null) {
            expectType(where, schema, scalar, out);
            String format = scalarFormat(raw0);
            if (format != null && schema.get("format") != null && !format.equals(schema.get("format"))) {
                out.add(where + ": documented format " + schema.get("format") + ", the contract's type is " + format);
            }
            return;
        }
        if (raw0.isRecord()) {
            if (!"object".equals(documentedType)) {
                out.add(where + ": documented as " + documentedType + ", the contract has the record "
                        + raw0.getSimpleName());
                return;
            }
            if (!seen.add(raw0.getName())) {
                return;
            }
            record(schema, raw0, where, out, seen);
        }
        // Anything else (a JSON tree, Object) is free-form: the document may describe it as it likes.
    }

    private void record(Map<String, Object> schema, Class<?> record, String where, List<String> out, Set<String> seen) {
        Map<String, Object> properties = map(schema.get("properties"));
        Set<String> components = new TreeSet<>();
        for (RecordComponent c : record.getRecordComponents()) {
            components.add(c.getName());
        }
        if (!properties.keySet().equals(components)) {
            out.add(where + ": " + record.getSimpleName() + " documented with properties "
                    + new TreeSet<>(properties.keySet()) + ", the contract has " + components);
        }
        BeanIntrospection<?> introspection = BeanIntrospector.SHARED.findIntrospection(record).orElse(null);
        if (introspection == null) {
            out.add(where + ": " + record.getName() + " has no introspection (is it @Serdeable?)");
        } else {
            Set<String> required = new TreeSet<>();
            for (BeanProperty<?, ?> p : introspection.getBeanProperties()) {
                if (!p.isNullable() || p.getType().isPrimitive()) {
                    required.add(p.getName());
                }
            }
            Set<String> documentedRequired = new TreeSet<>();
            list(schema.get("required")).forEach(r -> documentedRequired.add(String.valueOf(r)));
            if (!documentedRequired.equals(required)) {
                out.add(where + ": " + record.getSimpleName() + " documented as requiring " + documentedRequired
                        + ", the contract requires " + required);
            }
        }
        for (RecordComponent c : record.getRecordComponents()) {
            Object property = properties.get(c.getName());
            if (property != null) {
                schema(map(property), c.getGenericType(), where + "." + c.getName(), out, seen);
            }
        }
    }

    private static boolean expectType(String where, Map<String, Object> schema, String type, List<String> out) {
        if (!type.equals(schema.get("type"))) {
            out.add(where + ": documented as " + schema.get("type") + ", the contract's type is " + type);
            return false;
        }
        return true;
    }

    /** Follows a {@code $ref}, also one wrapped in {@code allOf} as the processor does for a nullable reference. */
    private Map<String, Object> resolve(Map<String, Object> schema) {
        Map<String, Object> current = schema;
        for (int depth = 0; depth < 8; depth++) {
            List<Object> allOf = list(current.get("allOf"));
            if (current.get("$ref") == null && allOf.size() == 1) {
                current = map(allOf.getFirst());
                continue;
            }
            Object ref = current.get("$ref");
            if (!(ref instanceof String s) || !s.startsWith("#/components/schemas/")) {
                return current;
            }
            current = map(map(map(document.get("components")).get("schemas")).get(s.substring("#/components/schemas/".length())));
        }
        return current;
    }

    private static Map<String, Object> successResponse(Map<String, Object> responses) {
        for (Map.Entry<String, Object> e : responses.entrySet()) {
            if (e.getKey().startsWith("2")) {
                return map(e.getValue());
            }
        }
        return null;
    }

    /** The body type of what an operation answers; null for no body. */
    private static Type answerType(Type returned) {
        if (returned == void.class || returned == Void.class) {
            return null;
        }
        if (returned instanceof ParameterizedType pt && pt.getRawType() == HttpResponse.class) {
            Type inner = pt.getActualTypeArguments()[0];
            return rawClass(inner) == Void.class || rawClass(inner) == Object.class ? null : inner;
        }
        return returned;
    }

    private static String uri(Annotation verb) {
        try {
            String uri = (String) verb.annotationType().getMethod("uri").invoke(verb);
            String value = (String) verb.annotationType().getMethod("value").invoke(verb);
            return "/".equals(uri) || uri.isEmpty() ? value : uri;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String scalarType(Class<?> c) {
        if (c == String.class || c == UUID.class || c == Instant.class || c.isEnum() || CharSequence.class.isAssignableFrom(c)) {
            return "string";
        }
        if (c == long.class || c == Long.class || c == int.class || c == Integer.class || c == short.class
                || c == Short.class) {
            return "integer";
        }
        if (c == double.class || c == Double.class || c == float.class || c == Float.class) {
            return "number";
        }
        if (c == boolean.class || c == Boolean.class) {
            return "boolean";
        }
        return null;
    }

    private static String scalarFormat(Class<?> c) {
        if (c == long.class || c == Long.class) {
            return "int64";
        }
        if (c == int.class || c == Integer.class) {
            return "int32";
        }
        if (c == UUID.class) {
            return "uuid";
        }
        if (c == Instant.class) {
            return "date-time";
        }
        if (c == double.class || c == Double.class) {
            return "double";
        }
        return null;
    }

    private static Class<?> rawClass(Type type) {
        if (type instanceof Class<?> c) {
            return c;
        }
        if (type instanceof ParameterizedType pt) {
            return rawClass(pt.getRawType());
        }
        if (type instanceof GenericArrayType) {
            return Object[].class;
        }
        return Object.class;
    }

    private static String firstNonBlank(String... values) {
        for (String v : values) {
            if (v != null && !v.isBlank()) {
                return v;
            }
        }
        return "";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return o instanceof List<?> l ? (List<Object>) l : List.of();
    }
}
