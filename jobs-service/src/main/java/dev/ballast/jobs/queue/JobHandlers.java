package dev.ballast.jobs.queue;

import io.micronaut.context.exceptions.ConfigurationException;
import io.micronaut.core.annotation.Nullable;
import jakarta.inject.Singleton;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Every {@link JobHandler} bean, by type. Two handlers for one type stop start-up. */
@Singleton
public final class JobHandlers {

    private final Map<String, JobHandler> byType;

    JobHandlers(List<JobHandler> handlers) {
        Map<String, JobHandler> map = new HashMap<>();
        for (JobHandler h : handlers) {
            if (!JobTypes.NAME.matcher(h.type()).matches()) {
                throw new ConfigurationException("job handler " + h.getClass().getName() + " has an invalid type '"
                        + h.type() + "' (lower-case kebab, at most 100 characters)");
            }
            JobHandler before = map.putIfAbsent(h.type(), h);
            if (before != null) {
                throw new ConfigurationException("two handlers for job type " + h.type() + ": "
                        + before.getClass().getName() + " and " + h.getClass().getName());
            }
        }
        this.byType = Map.copyOf(map);
    }

    public @Nullable JobHandler forType(String type) {
        return byType.get(type);
    }

    public Set<String> types() {
        return byType.keySet();
    }
}
