package dev.ballast.webhook.intake;

/** A delivery body that cannot be used: answered 400 naming the field as a JSON pointer. */
public final class InvalidPayloadException extends Exception {

    private final String pointer;
    private final String reason;

    public InvalidPayloadException(String reason, String pointer, String detail) {
        super(detail, null, false, false);
        this.reason = reason;
        this.pointer = pointer;
    }

    public static InvalidPayloadException missing(String pointer) {
        return new InvalidPayloadException("missing_field", pointer, "required field " + pointer + " is missing");
    }

    public static InvalidPayloadException wrongType(String pointer, String expected) {
        return new InvalidPayloadException("wrong_type", pointer, "field " + pointer + " must be " + expected);
    }

    public String pointer() {
        return pointer;
    }

    public String reason() {
        return reason;
    }
}
