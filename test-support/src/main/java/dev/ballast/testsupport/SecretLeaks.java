package dev.ballast.testsupport;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The secrets a test used and the answers it got, to show that no answer body and no log line holds a secret. */
public final class SecretLeaks {

    private final List<String> secrets = new ArrayList<>();
    private final List<HttpResponse<String>> answers = new ArrayList<>();

    public SecretLeaks secrets(Collection<String> more) {
        secrets.addAll(more);
        return this;
    }

    /** Keeps an answer to check its body, and hands it back. */
    public HttpResponse<String> keep(HttpResponse<String> answer) {
        answers.add(answer);
        return answer;
    }

    public List<HttpResponse<String>> answers() {
        return List.copyOf(answers);
    }

    public void assertNoneIn(LogCapture logs) {
        for (HttpResponse<String> answer : answers) {
            for (int i = 0; i < secrets.size(); i++) {
                assertThat(answer.body().contains(secrets.get(i)))
                        .as("secret #%d in the body of a %d answer", i + 1, answer.statusCode()).isFalse();
            }
        }
        assertThat(logs.lines()).isNotEmpty();
        logs.assertNoneContains(secrets);
    }
}
