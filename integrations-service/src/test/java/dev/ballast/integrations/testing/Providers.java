package dev.ballast.integrations.testing;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.okJson;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

/** Answers in each provider's own shape (field names, error bodies), stubbed on the test's WireMock. */
public final class Providers {

    private Providers() {
    }

    public static ResponseDefinitionBuilder chatCompletion(String content) {
        String escaped = content.replace("\\", "\\\\").replace("\"", "\\\"");
        return okJson("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"gpt-4o-mini",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}""".formatted(escaped));
    }

    public static ResponseDefinitionBuilder slackOk(String channel) {
        return okJson("{\"ok\":true,\"channel\":\"" + channel + "\",\"ts\":\"1700000000.000100\",\"message\":{\"text\":\"x\"}}");
    }

    public static ResponseDefinitionBuilder slackError(String error) {
        return okJson("{\"ok\":false,\"error\":\"" + error + "\"}");
    }

    public static ResponseDefinitionBuilder unipileDisconnected() {
        return aResponse().withStatus(401).withHeader("Content-Type", "application/json").withBody("""
                {"status":401,"type":"errors/disconnected_account","title":"Disconnected account",
                 "detail":"The account appears to be disconnected from the provider service."}""");
    }

    /** Every provider answers as a working one does. */
    public static void allWorking(WireMockServer w) {
        w.stubFor(any(urlPathMatching("/ai/chat/completions")).willReturn(
                chatCompletion("{\"label\":\"positive\",\"score\":0.93,\"subject\":\"Re: hi\",\"body\":\"Thanks!\",\"confidence\":0.9}")));
        w.stubFor(any(urlPathMatching("/slack/chat.postMessage")).willReturn(slackOk("C0NOTICES")));
        w.stubFor(any(urlPathMatching("/slack/auth.test")).willReturn(okJson("{\"ok\":true,\"team\":\"T\",\"user_id\":\"U1\"}")));
        w.stubFor(any(urlPathMatching("/emailbison/api/leads/[^/]+")).willReturn(okJson(
                "{\"data\":{\"id\":42,\"email\":\"jane@lead.example\",\"company\":\"Acme\",\"title\":\"CTO\"}}")));
        w.stubFor(any(urlPathMatching("/emailbison/api/leads/[^/]+/sent-emails")).willReturn(okJson(
                "{\"data\":[{\"id\":7,\"subject\":\"Hello\",\"sent_at\":\"2026-01-01T00:00:00Z\"}]}")));
        w.stubFor(any(urlPathMatching("/emailbison/api/replies/[^/]+/reply")).willReturn(okJson(
                "{\"data\":{\"success\":true,\"message\":\"Reply sent\",\"reply\":{\"id\":9001}}}")));
        w.stubFor(any(urlPathMatching("/emailbison/api/users")).willReturn(okJson("{\"data\":{\"id\":1,\"name\":\"Owner\"}}")));
        w.stubFor(any(urlPathMatching("/ghl/conversations/messages")).willReturn(okJson(
                "{\"conversationId\":\"conv-1\",\"messageId\":\"msg-1\",\"msg\":\"Message queued successfully.\"}")));
        w.stubFor(any(urlPathMatching("/ghl/locations/[^/]+")).willReturn(okJson("{\"location\":{\"id\":\"loc-1\"}}")));
        w.stubFor(any(urlPathMatching("/unipile/api/v1/chats(/[^/]+/messages)?")).willReturn(okJson(
                "{\"object\":\"MessageSent\",\"message_id\":\"um-1\"}")));
        w.stubFor(any(urlPathMatching("/unipile/api/v1/accounts/[^/]+")).willReturn(okJson(
                "{\"object\":\"Account\",\"id\":\"acc-1\",\"type\":\"LINKEDIN\",\"sources\":[{\"id\":\"acc-1_MESSAGING\",\"status\":\"OK\"}]}")));
    }
}
