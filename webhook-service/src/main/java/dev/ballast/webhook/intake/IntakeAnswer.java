package dev.ballast.webhook.intake;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

import java.nio.charset.StandardCharsets;

/** The 200 answer to a delivery: {@code accepted}, {@code duplicate} (both with the message id) or {@code ignored}. */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record IntakeAnswer(String status, @Nullable Long messageId, @Nullable String event) {

    /**
     * The JSON the serializer would write (null fields left out), by hand: three flat fields on every delivery's
     * path did not need the body-writer machinery, which showed up in the intake's CPU profile.
     */
    byte[] json() {
        StringBuilder b = new StringBuilder(64).append("{\"status\":");
        quoted(b, status);
        if (messageId != null) {
            b.append(",\"messageId\":").append(messageId.longValue());
        }
        if (event != null) {
            b.append(",\"event\":");
            quoted(b, event);
        }
        return b.append('}').toString().getBytes(StandardCharsets.UTF_8);
    }

    private static void quoted(StringBuilder b, String s) {
        b.append('"').append(JsonStringEncoder.getInstance().quoteAsString(s)).append('"');
    }
}
