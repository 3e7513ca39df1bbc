package dev.ballast.jobs.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.serde.annotation.Serdeable;

/**
 * The answer to an enqueue: the job's id (as a string), its status now, and whether this call created it. In a
 * {@code partial} bulk answer an item that cannot be stored is answered in its place with status {@link #REFUSED},
 * no id, and why ({@code detail}, and {@code pointer}: the JSON pointer of the offending field in the request).
 */
@Serdeable
@JsonInclude(JsonInclude.Include.NON_NULL)
public record JobReceipt(@Nullable String jobId, String status, boolean created, @Nullable String detail,
                         @Nullable String pointer) {

    public static final String REFUSED = "refused";

    public JobReceipt(String jobId, String status, boolean created) {
        this(jobId, status, created, null, null);
    }

    public static JobReceipt refused(String detail, String pointer) {
        return new JobReceipt(null, REFUSED, false, detail, pointer);
    }

    public boolean isRefused() {
        return REFUSED.equals(status);
    }
}
