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

    /**
     * Longest job name: names travel in every event and completion. A request naming a longer one
     * is rejected as invalid (an unknown job's answer would echo the name, twice).
     */
    public static final int NAME_MAX_CHARS = 256;

    public JobRegistry(Collection<JobDefinition> defs) {
        this(defs, List.of());
    }

    public JobRegistry(Collection<JobDefinition> defs, List<String> schema) {
        this.schema = List.copyOf(schema);
        for (JobDefinition d : defs) {
            if (d.name().length() > NAME_MAX_CHARS) {
                throw new IllegalArgumentException("job name '" + d.name().substring(0, 40) + "...' has " + d.name().length()
                        + " characters, more than " + NAME_MAX_CHARS + ": it travels in every event and answer; shorten it");
            }
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
