package dev.ballast.jobs.queue;

/** An enqueue that cannot be stored as asked; {@code pointer} is the JSON pointer of the offending field. */
public final class InvalidJobException extends IllegalArgumentException {

    private final String pointer;

    public InvalidJobException(String pointer, String message) {
        super(message);
        this.pointer = pointer;
    }

    public String pointer() {
        return pointer;
    }

    InvalidJobException at(String prefix) {
        return new InvalidJobException(prefix + pointer, getMessage());
    }
}
