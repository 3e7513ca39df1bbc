package dev.ballast.jobs.queue;

/** Where a job is in its life, as the {@code jobs.status} column holds it. */
public enum JobState {
    AVAILABLE("available"),
    RUNNING("running"),
    SUCCEEDED("succeeded"),
    DEAD("dead"),
    CANCELLED("cancelled");

    private final String column;

    JobState(String column) {
        this.column = column;
    }

    public String column() {
        return column;
    }

    /** The state a column value names; an unknown value is a schema this code does not know, so it throws. */
    public static JobState ofColumn(String value) {
        for (JobState s : values()) {
            if (s.column.equals(value)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown job status " + value);
    }
}
