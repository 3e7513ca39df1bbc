package dev.ballast.jobs.queue;

import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.Test;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The enqueue path's payload writer says what the generic mapper says, and reads back as the same tree. */
class PayloadWriterTest {

    private final JsonMapper mapper = JsonMapper.createDefault();

    @Test
    void writesWhatTheMapperWritesAndReadsBackTheSame() throws Exception {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        fields.put("text", JsonNode.createStringNode("Ünïcödé ✓ 🚀 \"quoted\" \\ back\nslash\t\u0001 '; DROP TABLE jobs; --"));
        fields.put("int", JsonNode.createNumberNode(42));
        fields.put("long", JsonNode.createNumberNode(9_007_199_254_740_993L));
        fields.put("big", JsonNode.createNumberNode(new BigInteger("123456789012345678901234567890")));
        fields.put("decimal", JsonNode.createNumberNode(new BigDecimal("0.1000000000000000055511151231257827")));
        fields.put("double", JsonNode.createNumberNode(1.5e-7));
        fields.put("negative", JsonNode.createNumberNode(-3));
        fields.put("yes", JsonNode.createBooleanNode(true));
        fields.put("no", JsonNode.createBooleanNode(false));
        fields.put("nothing", JsonNode.nullNode());
        fields.put("list", JsonNode.createArrayNode(List.of(JsonNode.createNumberNode(1), JsonNode.createStringNode("two"),
                JsonNode.createArrayNode(List.of()), JsonNode.createObjectNode(Map.of()))));
        fields.put("nested", JsonNode.createObjectNode(Map.of("deeper", JsonNode.createObjectNode(
                Map.of("messageId", JsonNode.createNumberNode(7))))));
        fields.put("", JsonNode.createStringNode("empty key"));
        JsonNode payload = JsonNode.createObjectNode(fields);

        String ours = PayloadWriter.write(payload);
        String theirs = mapper.writeValueAsString(payload);
        assertThat(mapper.readValue(ours, JsonNode.class)).isEqualTo(mapper.readValue(theirs, JsonNode.class));
        assertThat(PayloadReader.read(ours)).isEqualTo(PayloadReader.read(theirs));
        assertThat(ours).contains("\"long\":9007199254740993").contains("123456789012345678901234567890")
                .contains("🚀");
    }

    @Test
    void aNumberJsonCannotHoldIsRefusedNotWrittenAsText() {
        JsonNode payload = JsonNode.createObjectNode(Map.of("x", JsonNode.createNumberNode(Double.NaN)));
        assertThatThrownBy(() -> PayloadWriter.write(payload)).hasMessageContaining("NaN");
    }
}
