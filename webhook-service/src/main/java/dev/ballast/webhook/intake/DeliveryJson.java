package dev.ballast.webhook.intake;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import io.micronaut.jackson.core.tree.JsonNodeTreeCodec;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import jakarta.inject.Singleton;

import java.io.IOException;

/**
 * Parses a delivery's raw bytes, once, into the tree the event readers read. Goes through the streaming
 * parser under the app's JsonMapper configuration because the mapper itself stops after the first value and
 * would take {@code {...} garbage} as well-formed.
 */
@Singleton
public final class DeliveryJson {

    private final JsonFactory factory = new JsonFactory();
    private final JsonNodeTreeCodec codec;

    DeliveryJson(JsonMapper json) {
        this.codec = JsonNodeTreeCodec.getInstance().withConfig(json.getStreamConfig());
    }

    /** The body as a JSON object, or the reason it is not one. */
    public JsonNode parseObject(byte[] body) throws InvalidPayloadException {
        if (body.length == 0) {
            throw new InvalidPayloadException("empty_body", "", "the body is empty");
        }
        JsonNode root;
        try (JsonParser parser = factory.createParser(body)) {
            root = codec.readTree(parser);
            if (parser.nextToken() != null) {
                throw new InvalidPayloadException("malformed_json", "", "the body has content after its JSON value");
            }
        } catch (IOException | RuntimeException e) {
            throw new InvalidPayloadException("malformed_json", "", "the body is not well-formed JSON");
        }
        if (root == null || !root.isObject()) {
            throw InvalidPayloadException.wrongType("", "a JSON object");
        }
        return root;
    }
}
