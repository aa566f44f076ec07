package dev.acidic.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * A job: a stable name and an ordered list of uniquely named steps.
 *
 * <pre>{@code
 * JobDefinition rides = JobDefinition.named("rides.create")
 *     .step("create_ride_and_audit_record", ctx -> { ...; return PhaseResult.next(); })
 *     .step("create_stripe_charge", ctx -> ...)
 *     .step("send_receipt", ctx -> ...)
 *     .build();
 * }</pre>
 *
 * <p>Step names are stored in Postgres as recovery points, so renaming or removing a step strands
 * the jobs that stand at it: treat names as a persistent schema.
 */
public final class JobDefinition {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final String name;
    private final Map<String, Step> steps;
    private final List<String> order;
    private final Set<String> identityIgnores;

    private JobDefinition(String name, Map<String, Step> steps, Set<String> identityIgnores) {
        this.name = name;
        this.steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
        this.order = List.copyOf(steps.keySet());
        this.identityIgnores = Set.copyOf(identityIgnores);
    }

    public static Builder named(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    /** Step names in order. */
    public List<String> stepNames() {
        return order;
    }

    public String firstStep() {
        return order.get(0);
    }

    public boolean hasStep(String step) {
        return steps.containsKey(step);
    }

    public Step step(String step) {
        Step s = steps.get(step);
        if (s == null) {
            throw new IllegalArgumentException("job '" + name + "' has no step '" + step + "'; its steps are " + order);
        }
        return s;
    }

    /**
     * Top-level argument fields that do not take part in the request's identity: a request that
     * differs from the stored job only in them is the same request (replayed or absorbed), not a
     * mismatch. They are still stored and visible to steps.
     */
    public Set<String> identityIgnores() {
        return identityIgnores;
    }

    /** The step after {@code step}, or empty if it is the last. */
    public Optional<String> stepAfter(String step) {
        int i = order.indexOf(step);
        if (i < 0) {
            throw new IllegalArgumentException("job '" + name + "' has no step '" + step + "'; its steps are " + order);
        }
        return i + 1 < order.size() ? Optional.of(order.get(i + 1)) : Optional.empty();
    }

    @Override
    public String toString() {
        return "JobDefinition[" + name + " " + order + "]";
    }

    public static final class Builder {
        private final String name;
        private final Map<String, Step> steps = new LinkedHashMap<>();
        private final Set<String> identityIgnores = new TreeSet<>();

        private Builder(String name) {
            this.name = checkName("job name", name);
        }

        public Builder step(String stepName, Step step) {
            checkName("step name of job '" + name + "'", stepName);
            Objects.requireNonNull(step, "step '" + stepName + "' of job '" + name + "' must not be null");
            if (steps.putIfAbsent(stepName, step) != null) {
                throw new IllegalArgumentException("job '" + name + "' defines step '" + stepName
                        + "' twice; step names are recovery points and must be unique");
            }
            return this;
        }

        /**
         * Leaves top-level argument fields out of the request identity, e.g. a testing switch like
         * {@code raise_error} that must not turn a retried request into a mismatch.
         */
        public Builder ignoreInIdentity(String... fields) {
            for (String f : fields) {
                identityIgnores.add(Objects.requireNonNull(f, "field"));
            }
            return this;
        }

        public JobDefinition build() {
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("job '" + name + "' has no steps; add at least one with step(name, fn)");
            }
            return new JobDefinition(name, steps, identityIgnores);
        }

        private static String checkName(String what, String value) {
            if (value == null || !NAME.matcher(value).matches()) {
                throw new IllegalArgumentException(what + " '" + value
                        + "' is invalid: use 1-128 characters of letters, digits, '.', '_', ':' or '-', starting with a letter or digit");
            }
            return value;
        }
    }
}
