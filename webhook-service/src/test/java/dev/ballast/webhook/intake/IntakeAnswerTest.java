package dev.ballast.webhook.intake;

import io.micronaut.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

class IntakeAnswerTest {

    private final JsonMapper json = JsonMapper.createDefault();

    @Test
    void theHandWrittenAnswerIsWhatTheSerializerWrites() throws Exception {
        for (IntakeAnswer answer : new IntakeAnswer[] {new IntakeAnswer("accepted", 42L, null),
                new IntakeAnswer("duplicate", Long.MAX_VALUE, null), new IntakeAnswer("ignored", null, "email_opened"),
                new IntakeAnswer("ignored", null, "we\"ird\\ \u0001 </script>")}) {
            assertThat(new String(answer.json(), StandardCharsets.UTF_8)).isEqualTo(json.writeValueAsString(answer));
        }
    }

    @Test
    void anyEventTextReadsBackAsItWas() throws Exception {
        IntakeAnswer answer = new IntakeAnswer("ignored", null, "évènement 😀 \u2028 \t\n");
        assertThat(json.readValue(answer.json(), IntakeAnswer.class)).isEqualTo(answer);
    }
}
