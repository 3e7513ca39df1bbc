package dev.ballast.webhook.testing;

import com.standardwebhooks.Webhook;
import com.standardwebhooks.exceptions.WebhookSigningException;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.UUID;

/** Provider payloads shaped like the real ones, and Standard Webhooks signing by the reference library. */
public final class Deliveries {

    public static final String EMAILBISON_WORKSPACE = "12";
    public static final String GHL_LOCATION = "ve9EPM428h8vShlRW1KT";

    private Deliveries() {
    }

    public static String reply(long replyId, String email) {
        return reply("LEAD_REPLIED", replyId, email, "Re: our call", "Sounds good, call me tomorrow.");
    }

    public static String reply(String type, long replyId, String email, String subject, String body) {
        return """
                {"event":{"type":"%s","name":"Lead Replied","instance_url":"https://app.emailbison.com",
                  "workspace_id":%s,"workspace_name":"Acme"},
                 "data":{
                  "reply":{"id":%d,"uuid":"%s","email_subject":%s,"interested":false,"automated_reply":false,
                    "html_body":"<p>hi</p>","text_body":%s,"date_received":"2025-01-15T10:00:00.000000Z",
                    "type":"Tracked Reply","folder":"Inbox","from_name":"Jane Doe","from_email_address":%s,
                    "primary_to_email_address":"sales@ourco.example","to":[{"name":null,"address":"sales@ourco.example"}],
                    "campaign_id":5,"lead_id":77,"sender_email_id":3},
                  "campaign_event":{"id":9,"type":"replied","created_at":"2025-01-15T10:00:01.000000Z"},
                  "lead":{"id":77,"email":%s,"first_name":"Jane","last_name":"Doe","status":"active",
                    "title":"CEO","company":"Example","custom_variables":[{"name":"x","value":"y"}]},
                  "campaign":{"id":5,"name":"Q1 outreach"},
                  "scheduled_email":{"id":444,"interested":"false","sequence_step_id":2},
                  "sender_email":{"id":3,"email":"sales@ourco.example","name":"Sales"}}}
                """.formatted(type, EMAILBISON_WORKSPACE, replyId, UUID.randomUUID(), q(subject), q(body), q(email),
                q(email));
    }

    public static String untrackedReply(long replyId, String fromEmail) {
        return """
                {"event":{"type":"UNTRACKED_REPLY_RECEIVED","name":"Untracked Reply Received",
                  "instance_url":"https://send.inboxxia.example","workspace_id":%s,"workspace_name":"Acme"},
                 "data":{"reply":{"id":%d,"email_subject":"Question","text_body":"Who are you?",
                   "from_name":"Stranger","from_email_address":%s,"interested":false}}}
                """.formatted(EMAILBISON_WORKSPACE, replyId, q(fromEmail));
    }

    public static String emailSent(long scheduledEmailId, String email) {
        return """
                {"event":{"type":"EMAIL_SENT","name":"Email Sent","instance_url":"https://app.emailbison.com",
                  "workspace_id":%s,"workspace_name":"Acme"},
                 "data":{
                  "scheduled_email":{"id":%d,"lead_id":77,"sequence_step_id":2,"email_subject":"Hello",
                    "email_body":"<p>Hello Jane</p>","status":"sent","sent_at":"2025-01-14T09:00:00.000000Z",
                    "interested":{"value":false,"updated_at":null}},
                  "lead":{"id":77,"email":%s,"first_name":"Jane","last_name":"Doe"},
                  "sender_email":{"id":3,"email":"sales@ourco.example"},
                  "campaign":{"id":5,"name":"Q1 outreach"}}}
                """.formatted(EMAILBISON_WORKSPACE, scheduledEmailId, q(email));
    }

    public static String manualEmailSent(long replyId, String email) {
        return """
                {"event":{"type":"manual_email_sent","name":"Manual Email Sent","instance_url":"https://app.emailbison.com",
                  "workspace_id":%s,"workspace_name":"Acme"},
                 "data":{"reply":{"id":%d,"email_subject":"Re: our call","text_body":"Here is the deck",
                   "from_email_address":"sales@ourco.example","primary_to_email_address":%s},
                  "lead":{"id":77,"email":%s,"first_name":"Jane"}}}
                """.formatted(EMAILBISON_WORKSPACE, replyId, q(email), q(email));
    }

    public static String emailEvent(String type) {
        return """
                {"event":{"type":"%s","name":"x","instance_url":"https://app.emailbison.com","workspace_id":%s,
                  "workspace_name":"Acme"},"data":{"lead":{"id":1,"email":"a@b.example"}}}
                """.formatted(type, EMAILBISON_WORKSPACE);
    }

    public static String ghlInbound(String messageId, String contactId, String body) {
        return """
                {"type":"InboundMessage","locationId":"%s","attachments":[],"body":%s,"contactId":"%s",
                 "contentType":"text/plain","conversationId":"conv-1","dateAdded":"2025-01-15T10:00:00.000Z",
                 "direction":"inbound","messageType":"SMS","messageId":"%s","status":"delivered"}
                """.formatted(GHL_LOCATION, q(body), contactId, messageId);
    }

    public static String ghlWorkflow(String contactId, String workflowId, String body, String customData) {
        return """
                {"contact_id":"%s","first_name":"Sam","last_name":"Lee","full_name":"Sam Lee","email":"sam@lee.example",
                 "phone":"+15550001111","tags":"","date_created":"2025-01-10T08:00:00.000Z",
                 "location":{"name":"Acme","id":"%s"},"message":{"type":2,"body":%s},
                 "workflow":{"id":"%s","name":"Inbound SMS"},"triggerData":{},"customData":%s}
                """.formatted(contactId, GHL_LOCATION, q(body), workflowId, customData);
    }

    /** A JSON string literal. */
    public static String q(String s) {
        StringBuilder out = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                default -> {
                    if (c < 0x20) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('"').toString();
    }

    /** Standard Webhooks headers for the body, signed now by the reference implementation with each secret. */
    public static String[] signed(String body, String... secrets) {
        return signedAt(body, Instant.now().getEpochSecond(), "msg_" + UUID.randomUUID(), secrets);
    }

    public static String[] signedAt(String body, long timestamp, String messageId, String... secrets) {
        StringBuilder signatures = new StringBuilder();
        try {
            for (String secret : secrets) {
                signatures.append(signatures.isEmpty() ? "" : " ")
                        .append(new Webhook(secret).sign(messageId, timestamp, body));
            }
        } catch (WebhookSigningException | RuntimeException e) {
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return new String[] {"webhook-id", messageId, "webhook-timestamp", Long.toString(timestamp),
                "webhook-signature", signatures.toString()};
    }

    public static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
