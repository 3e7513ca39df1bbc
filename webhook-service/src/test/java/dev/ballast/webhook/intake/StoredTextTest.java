package dev.ballast.webhook.intake;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class StoredTextTest {

    @Test
    void onlyWhatPostgresCannotStoreIsReplaced() {
        String verbatim = "Zoë'; DROP TABLE messages;-- \\ \" % _ 😀 \t\n 日本語";
        assertThat(StoredText.clean(verbatim)).isSameAs(verbatim);
        assertThat(StoredText.clean("a\u0000b")).isEqualTo("a\uFFFDb");
        assertThat(StoredText.clean("x\uD800y")).isEqualTo("x\uFFFDy");
        assertThat(StoredText.clean("x\uDC00")).isEqualTo("x\uFFFD");
        assertThat(StoredText.clean("😀\u0000😀")).isEqualTo("😀\uFFFD😀");
        assertThat(StoredText.clean(null)).isNull();
        assertThat(StoredText.nonBlank("  \u0000 ")).isEqualTo("\uFFFD");
        assertThat(StoredText.nonBlank("   ")).isNull();
    }
}
