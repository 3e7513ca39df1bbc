package dev.ballast.webhook.intake;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.OffsetDateTime;

import static org.assertj.core.api.Assertions.assertThat;

class IsoTimestampTest {

    @ParameterizedTest
    @ValueSource(strings = {"2025-01-15T10:00:00Z", "2025-01-15T10:00:00.000000Z", "2025-01-15T10:00:00.5Z",
            "2025-01-15T10:00:00.123456789Z", "2024-02-29T23:59:59.999+01:00", "2025-12-31T00:00:00-05:30",
            "2025-06-01T12:34:56.7-00:00", "0001-01-01T00:00:00+18:00", "2025-01-15T10:00:00.12+14:00"})
    void readsTheCommonShapeExactlyAsOffsetDateTimeDoes(String text) {
        assertThat(IsoTimestamp.parse(text)).isEqualTo(OffsetDateTime.parse(text).toInstant());
    }

    @ParameterizedTest
    @ValueSource(strings = {"2025-02-29T10:00:00Z", "2025-13-01T10:00:00Z", "2025-01-15T24:00:00Z",
            "2025-01-15T10:60:00Z", "2025-01-15T10:00:60Z", "2025-01-15T10:00:00+19:00", "2025-01-15T10:00:00+01:60",
            "2025-01-15T10:00:00.Z", "2025-01-15T10:00:00.1234567891Z", "2025-01-15T10:00:00", "2025-01-15 10:00:00Z",
            "2025-01-15t10:00:00z", "2025-01-15T10:00:00+0100", "2025-01-15T10:00:00+01:00:30", "+2025-01-15T10:00:00Z",
            "2025-01-15T10:00:00Z ", "2025-1-15T10:00:00Z", "1736935200", ""})
    void leavesEveryOtherShapeOrAnInvalidFieldToTheFormatters(String text) {
        assertThat(IsoTimestamp.parse(text)).isNull();
    }

    @Test
    void aPayloadTimestampReadsTheSameWhicheverParserTakesIt() throws Exception {
        for (String text : new String[] {"2025-01-15T10:00:00.000000Z", "2025-01-15t10:00:00z", "2025-01-15T10:00:00+01:00:30",
                "2025-01-15 10:00:00", "2025-01-15T10:00:00.123"}) {
            var root = new DeliveryJson(io.micronaut.json.JsonMapper.createDefault())
                    .parseObject(("{\"at\":\"" + text + "\"}").getBytes());
            assertThat(new Payload(root).optionalInstant("/at")).as(text).isNotNull();
        }
    }
}
