package dev.ballast.webhook.outbox;

/**
 * The follow-up jobs a newly stored message asks jobs-service for, one outbox row each, deduplicated by
 * {@code <job-type>:<message-id>}.
 */
public final class JobTypes {

    /** A reply from a lead: sentiment, AI draft, enrichment, auto-send rules, Slack notice, annotations. */
    public static final String EMAIL_INBOUND_POST_PROCESS = "email-inbound-post-process";
    /** An email we sent (campaign step or manual): lead timeline and last-contacted, pending drafts superseded. */
    public static final String EMAIL_OUTBOUND_POST_PROCESS = "email-outbound-post-process";
    /** An SMS (or other GHL conversation message) from a lead: the SMS counterpart of the email post-process. */
    public static final String SMS_INBOUND_POST_PROCESS = "sms-inbound-post-process";
    /** An SMS sent to a lead, reported by GHL. */
    public static final String SMS_OUTBOUND_POST_PROCESS = "sms-outbound-post-process";

    private JobTypes() {
    }

    public static String dedupeKey(String jobType, long messageId) {
        return jobType + ":" + messageId;
    }
}
