package dev.acidic.processor.internal.engine;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobProvider;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** The jobs a processor runs, by name. */
public final class JobRegistry {
    private final Map<String, JobDefinition> jobs = new TreeMap<>();
    private final List<String> schema;

    public JobRegistry(Collection<JobDefinition> defs) {
        this(defs, List.of());
    }

    public JobRegistry(Collection<JobDefinition> defs, List<String> schema) {
        this.schema = List.copyOf(schema);
        for (JobDefinition d : defs) {
            JobDefinition prev = jobs.putIfAbsent(d.name(), d);
            if (prev != null && prev != d) {
                throw new IllegalArgumentException("job '" + d.name() + "' is registered twice (" + prev + " and " + d
                        + "); job names must be unique in one processor");
            }
        }
    }

    /** Jobs from every {@link JobProvider} on the classpath, plus {@code extra}. */
    public static JobRegistry discover(Collection<JobDefinition> extra, ClassLoader loader) {
        List<JobDefinition> all = new ArrayList<>(extra);
        List<String> schema = new ArrayList<>();
        for (JobProvider p : ServiceLoader.load(JobProvider.class, loader)) {
            all.addAll(p.jobs());
            schema.addAll(p.schema());
        }
        return new JobRegistry(all, schema);
    }

    public JobDefinition get(String name) {
        return jobs.get(name);
    }

    /** Idempotent SQL the registered jobs' tables need. */
    public List<String> schema() {
        return schema;
    }

    public Collection<String> names() {
        return jobs.keySet();
    }
}
