package dev.acidic.testkit;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What {@link AcidicKit#crashAtEveryBoundary(dev.acidic.api.JobDefinition, Object, CrashCheck)}
 * checks besides the job's status, result and events: the effects to count, the result fields
 * that differ between any two runs (ids from a sequence, say), and how long one run may take.
 *
 * <pre>{@code
 * CrashCheck.effects(Effect.sql("ride", "SELECT count(*) FROM rides WHERE idempotency_key = ?"))
 *         .ignoringResultFields("ride_id")
 * }</pre>
 */
public final class CrashCheck {
    private final List<Effect> effects;
    private final Set<String> ignoredResultFields;
    private final Duration timeout;

    private CrashCheck(List<Effect> effects, Set<String> ignoredResultFields, Duration timeout) {
        this.effects = List.copyOf(effects);
        this.ignoredResultFields = Set.copyOf(ignoredResultFields);
        this.timeout = timeout;
    }

    /** Checks these effects (each must change by as much as in a clean run, and change in it). */
    public static CrashCheck effects(Effect... effects) {
        return new CrashCheck(Arrays.asList(effects), Set.of(), AcidicKit.DEFAULT_TIMEOUT);
    }

    /** Also checks {@code more} effects. */
    public CrashCheck and(Effect... more) {
        List<Effect> all = new ArrayList<>(effects);
        all.addAll(Arrays.asList(more));
        return new CrashCheck(all, ignoredResultFields, timeout);
    }

    /** Leaves fields of these names, at any depth, out when comparing a run's result with the clean run's. */
    public CrashCheck ignoringResultFields(String... names) {
        Set<String> all = new LinkedHashSet<>(ignoredResultFields);
        all.addAll(Arrays.asList(names));
        return new CrashCheck(effects, all, timeout);
    }

    /** How long each run (the clean one, and each recovery) may take to come to rest; default 30 s. */
    public CrashCheck timeout(Duration perRun) {
        return new CrashCheck(effects, ignoredResultFields, Objects.requireNonNull(perRun, "perRun"));
    }

    List<Effect> effects() {
        return effects;
    }

    Set<String> ignoredResultFields() {
        return ignoredResultFields;
    }

    Duration timeout() {
        return timeout;
    }
}
