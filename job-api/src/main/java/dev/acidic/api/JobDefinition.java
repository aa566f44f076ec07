package dev.acidic.api;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
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
 * <p>Step names are stored in Postgres as recovery points (and each job keeps the list of steps it
 * ran under), so treat them as a persistent schema. A new deployment of a job may:
 * <ul>
 *   <li>add steps: a running job whose recovery point is still a step continues there, and runs
 *       whatever follows it in the new order (steps added before it are not run for it);
 *   <li>rename a step, declared with {@link Builder#renamedStep(String, String)}, or remove one,
 *       declared with {@link Builder#removedStep(String, String)}: a job standing at the old name
 *       moves to the mapped step (journaled) and continues there;
 *   <li>anything else fails a job standing at a name the definition neither has nor maps, with
 *       error type {@code DEFINITION_CHANGED} naming its stored step, the steps it ran under and the
 *       current ones: a job outcome, never a crash loop.
 * </ul>
 */
public final class JobDefinition {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    private final String name;
    private final Map<String, Step> steps;
    private final List<String> order;
    private final Set<String> identityIgnores;
    /** Former step names -> the current step a job standing at one continues at (chains resolved). */
    private final Map<String, String> formerSteps;

    private JobDefinition(String name, Map<String, Step> steps, Set<String> identityIgnores, Map<String, String> formerSteps) {
        this.name = name;
        this.steps = Collections.unmodifiableMap(new LinkedHashMap<>(steps));
        this.order = List.copyOf(steps.keySet());
        this.identityIgnores = Set.copyOf(identityIgnores);
        this.formerSteps = Map.copyOf(formerSteps);
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

    /**
     * Where a job whose stored recovery point is {@code storedRecoveryPoint} stands in this
     * definition: the step itself if it is one; the step it was renamed to, or that a removed
     * step continues at (following chains of such declarations to their end); empty if this
     * definition neither has nor maps it. Pure: the processor calls it before each phase.
     */
    public Optional<String> resolve(String storedRecoveryPoint) {
        Objects.requireNonNull(storedRecoveryPoint, "storedRecoveryPoint");
        if (steps.containsKey(storedRecoveryPoint)) {
            return Optional.of(storedRecoveryPoint);
        }
        return Optional.ofNullable(formerSteps.get(storedRecoveryPoint));
    }

    /** Former step names (renamed or removed) and the current step each one continues at. */
    public Map<String, String> formerSteps() {
        return formerSteps;
    }

    @Override
    public String toString() {
        return "JobDefinition[" + name + " " + order + (formerSteps.isEmpty() ? "" : " formerly " + new TreeMap<>(formerSteps)) + "]";
    }

    public static final class Builder {
        private final String name;
        private final Map<String, Step> steps = new LinkedHashMap<>();
        private final Set<String> identityIgnores = new TreeSet<>();
        /** Former step name -> what it became, as declared (a step, or another former name). */
        private final Map<String, String> former = new LinkedHashMap<>();

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

        /**
         * Declares that step {@code old} of an earlier version of this job is now called
         * {@code now}: a job standing at {@code old} continues at {@code now}, running it.
         *
         * <p>Checked at {@link #build()}: {@code old} must no longer be a step, and {@code now} must
         * be a step, or a former name declared here too (a chain, resolved to its end: keep
         * {@code renamedStep("a", "b")} of one release next to the {@code renamedStep("b", "c")}
         * of the next and a job still at {@code "a"} continues at {@code "c"}). A name may be
         * declared once; a chain that comes back to itself, or ends at a name that is not a step,
         * is refused. Declaration order does not matter.
         */
        public Builder renamedStep(String old, String now) {
            return former(old, now, "renamedStep");
        }

        /**
         * Declares that step {@code old} of an earlier version of this job is gone: a job standing
         * at {@code old} (which had not run it yet, or is to run it again) continues at
         * {@code continueAt} without running anything in between. Checked at {@link #build()} as
         * {@link #renamedStep(String, String)} is.
         */
        public Builder removedStep(String old, String continueAt) {
            return former(old, continueAt, "removedStep");
        }

        private Builder former(String old, String target, String how) {
            checkName("former step name of job '" + name + "' in " + how, old);
            checkName("step that former step '" + old + "' of job '" + name + "' maps to in " + how, target);
            if (former.putIfAbsent(old, target) != null) {
                throw new IllegalArgumentException("job '" + name + "' maps former step '" + old + "' twice (to '"
                        + former.get(old) + "' and, in " + how + ", to '" + target + "'); declare it once");
            }
            return this;
        }

        public JobDefinition build() {
            if (steps.isEmpty()) {
                throw new IllegalArgumentException("job '" + name + "' has no steps; add at least one with step(name, fn)");
            }
            return new JobDefinition(name, steps, identityIgnores, resolvedFormerSteps());
        }

        /** Each former name -> the current step its chain of declarations ends at; refuses bad ones. */
        private Map<String, String> resolvedFormerSteps() {
            Map<String, String> out = new LinkedHashMap<>();
            for (String old : former.keySet()) {
                if (steps.containsKey(old)) {
                    throw new IllegalArgumentException("job '" + name + "' declares step '" + old
                            + "' as renamed or removed but still has a step of that name; drop the declaration or the step");
                }
                List<String> chain = new ArrayList<>(List.of(old));
                String at = former.get(old);
                while (!steps.containsKey(at)) {
                    if (chain.contains(at)) {
                        chain.add(at);
                        throw new IllegalArgumentException("job '" + name + "' maps former steps in a cycle " + String.join(" -> ", chain)
                                + "; each must lead to one of its steps " + List.copyOf(steps.keySet()));
                    }
                    chain.add(at);
                    String next = former.get(at);
                    if (next == null) {
                        throw new IllegalArgumentException("job '" + name + "' maps former step '" + old + "' to '" + at
                                + "' (" + String.join(" -> ", chain) + "), which is not one of its steps " + List.copyOf(steps.keySet())
                                + "; map it to a step of this definition");
                    }
                    at = next;
                }
                out.put(old, at);
            }
            return out;
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
