package dev.acidic.api;

import java.util.Collection;
import java.util.List;

/**
 * Service-provider interface through which a processor finds jobs on its classpath
 * ({@code META-INF/services/dev.acidic.api.JobProvider}). Implementations need a public no-argument
 * constructor.
 */
public interface JobProvider {
    Collection<JobDefinition> jobs();

    /**
     * SQL the jobs' own tables need, run by the processor at start-up after its migrations, under
     * the same advisory lock. Statements must be idempotent ({@code CREATE TABLE IF NOT EXISTS}).
     */
    default List<String> schema() {
        return List.of();
    }
}
