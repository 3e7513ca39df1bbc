package dev.ballast.jobs.queue;

import io.micronaut.context.ApplicationContext;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The payload reader builds the same tree the service's JSON mapper would, and refuses what is not JSON. */
class PayloadReaderTest {

    private static final List<String> PAYLOADS = List.of(
            "{}", "[]", "null", "true", "\"text\"", "42", "-7",
            "{\"p\": 1, \"i\": 12345, \"s\": \"a\\\"b\\u00e9\", \"ok\": false, \"none\": null}",
            "{\"big\": 9007199254740993, \"huge\": 123456789012345678901234567890, \"f\": 1.5, \"e\": 2.5e-3}",
            "{\"nested\": {\"list\": [1, \"two\", [3.25, {\"x\": []}], {}], \"empty\": {}}}");

    @Test
    void buildsTheTreeTheMapperBuilds() throws IOException {
        try (ApplicationContext ctx = ApplicationContext.run()) {
            JsonMapper json = ctx.getBean(JsonMapper.class);
            for (String payload : PAYLOADS) {
                JsonNode expected = json.readValue(payload, JsonNode.class);
                assertThat(PayloadReader.read(payload)).as(payload).isEqualTo(expected);
            }
        }
    }

    @Test
    void refusesWhatIsNotOneJsonValue() {
        for (String bad : List.of("", "{", "{\"a\": }", "[1, 2", "{} {}", "nope")) {
            assertThatThrownBy(() -> PayloadReader.read(bad)).as(bad).isInstanceOf(IOException.class);
        }
    }
}
