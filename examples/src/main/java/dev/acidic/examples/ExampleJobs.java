package dev.acidic.examples;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobProvider;
import java.util.Collection;
import java.util.List;

/** Registers the example jobs with any processor that has this jar on its classpath. */
public final class ExampleJobs implements JobProvider {
    @Override
    public Collection<JobDefinition> jobs() {
        return List.of(ThreeSteps.definition());
    }

    @Override
    public List<String> schema() {
        return List.of(ThreeSteps.SCHEMA);
    }
}
