package dev.ballast.resilience.api;

import io.micronaut.context.ApplicationContext;
import io.micronaut.http.HttpStatus;
import io.micronaut.json.JsonMapper;
import io.micronaut.json.tree.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProblemDetailsTest {

    private static ApplicationContext context;
    private static JsonMapper json;

    @BeforeAll
    static void start() {
        context = ApplicationContext.run(Map.of("datasources.default.enabled", false));
        json = context.getBean(JsonMapper.class);
    }

    @AfterAll
    static void stop() {
        context.close();
    }

    @Test
    void extensionMembersAreWrittenBesideTheStandardOnes() throws Exception {
        ProblemDetails problem = ProblemDetails.of(HttpStatus.SERVICE_UNAVAILABLE, "db_unreachable", "no database")
                .with("db_unreachable", true)
                .with("packLimit", 3)
                .with("knobs", Map.of("batch", 15))
                .with("failed", List.of("a", "b"));

        JsonNode written = json.readValue(json.writeValueAsString(problem), JsonNode.class);

        assertThat(written.get("status").getIntValue()).isEqualTo(503);
        assertThat(written.get("reason").getStringValue()).isEqualTo("db_unreachable");
        assertThat(written.get("db_unreachable").getBooleanValue()).isTrue();
        assertThat(written.get("packLimit").getIntValue()).isEqualTo(3);
        assertThat(written.get("knobs").get("batch").getIntValue()).isEqualTo(15);
        assertThat(written.get("failed").size()).isEqualTo(2);
        assertThat(written.get("extensions")).isNull();
    }

    @Test
    void aProblemWithoutExtensionsHasOnlyTheStandardMembers() throws Exception {
        JsonNode written = json.readValue(json.writeValueAsString(
                ProblemDetails.of(HttpStatus.NOT_FOUND, "not_found", "job 7 not found")), JsonNode.class);

        List<String> names = new ArrayList<>();
        written.entries().forEach(e -> names.add(e.getKey()));
        assertThat(names).containsExactlyInAnyOrder("type", "title", "status", "detail", "reason");
    }

    @Test
    void aProblemReadBackKeepsItsExtensions() throws Exception {
        String body = "{\"type\":\"about:blank\",\"title\":\"Service Unavailable\",\"status\":503,"
                + "\"reason\":\"db_unreachable\",\"db_unreachable\":true,\"packLimit\":3}";

        ProblemDetails read = json.readValue(body, ProblemDetails.class);

        assertThat(read.status()).isEqualTo(503);
        assertThat(read.extensions()).containsEntry("db_unreachable", true).containsKey("packLimit");
    }

    @Test
    void anExtensionCannotOverwriteAStandardMember() {
        ProblemDetails problem = ProblemDetails.of(HttpStatus.BAD_REQUEST, "bad", "bad");
        assertThatThrownBy(() -> problem.with("status", 200)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> problem.with("reason", "other")).isInstanceOf(IllegalArgumentException.class);
    }
}
