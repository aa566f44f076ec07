package dev.acidic.examples;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobProvider;
import dev.acidic.examples.rides.Refunds;
import dev.acidic.examples.rides.RocketRides;
import java.util.Collection;
import java.util.List;

/** Registers the example jobs with any processor that has this jar on its classpath. */
public final class ExampleJobs implements JobProvider {
    @Override
    public Collection<JobDefinition> jobs() {
        return List.of(ThreeSteps.definition(), FailingThreeSteps.definition(), RocketRides.create(), RocketRides.receipt(),
                Refunds.definition());
    }

    @Override
    public List<String> schema() {
        List<String> all = new java.util.ArrayList<>(RocketRides.SCHEMA);
        all.addAll(Refunds.SCHEMA);
        all.add(ThreeSteps.SCHEMA);
        all.add(FailingThreeSteps.SCHEMA);
        return all;
    }
}
