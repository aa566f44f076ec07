package dev.acidic.testkit;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.Step;
import dev.acidic.processor.CrashPoints;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * What happened to each key during a crash test, in order: the boundaries it met (from the crash
 * hook) and the steps that started (from a wrapper around each step), so that every boundary can be
 * named after the step it belongs to.
 */
final class Timeline {
    /** A boundary met, or (boundary null) a step that started. */
    record Mark(CrashPoints.Boundary boundary, String step) {}

    /** A boundary of a run: the {@code hit}-th time it met {@code boundary}, described for people. */
    record Point(CrashPoints.Boundary boundary, int hit, String where) {}

    private final Map<String, List<Mark>> byKey = new ConcurrentHashMap<>();

    void boundary(String key, CrashPoints.Boundary boundary) {
        if (key != null) {
            byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(new Mark(boundary, null));
        }
    }

    void stepStarted(String key, String step) {
        byKey.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(new Mark(null, step));
    }

    /** {@code def} with each step first noting that it started; otherwise the same job. */
    JobDefinition tracking(JobDefinition def) {
        JobDefinition.Builder b = JobDefinition.named(def.name());
        for (String name : def.stepNames()) {
            Step step = def.step(name);
            b.step(name, ctx -> {
                stepStarted(ctx.idempotencyKey(), ctx.step());
                return step.run(ctx);
            });
        }
        def.formerSteps().forEach(b::renamedStep);
        b.ignoreInIdentity(def.identityIgnores().toArray(String[]::new));
        return b.build();
    }

    /**
     * The boundaries {@code key}'s run met that a crash test crashes at: before each step ran, after
     * it ran but before its phase committed, and after the commit (in a processor, before its
     * Kafka transaction commits), each named after its step.
     */
    List<Point> crashPoints(String key) {
        List<Mark> marks = byKey.getOrDefault(key, List.of());
        Map<CrashPoints.Boundary, Integer> hits = new ConcurrentHashMap<>();
        Map<String, Integer> runs = new ConcurrentHashMap<>();
        List<Point> out = new ArrayList<>();
        String lastStep = null;
        for (int i = 0; i < marks.size(); i++) {
            Mark m = marks.get(i);
            if (m.boundary() == null) {
                lastStep = m.step();
                runs.merge(m.step(), 1, Integer::sum);
                continue;
            }
            int hit = hits.merge(m.boundary(), 1, Integer::sum);
            switch (m.boundary()) {
                case BEFORE_STEP -> {
                    String next = nextStep(marks, i);
                    out.add(new Point(m.boundary(), hit, "before step '" + next + "' runs" + nth(next == null ? 0 : runs.getOrDefault(next, 0) + 1)));
                }
                case BEFORE_PHASE_COMMIT -> out.add(new Point(m.boundary(), hit, "after step '" + lastStep + "' ran, before its phase commits"
                        + nth(runs.getOrDefault(lastStep == null ? "" : lastStep, 0))));
                case AFTER_PHASE_COMMIT -> out.add(new Point(m.boundary(), hit, "after step '" + lastStep
                        + "' committed in Postgres, before the Kafka commit" + nth(runs.getOrDefault(lastStep == null ? "" : lastStep, 0))));
                default -> { } // claim boundaries commit with the first phase, or between drives: covered by the phase boundaries
            }
        }
        return out;
    }

    private static String nextStep(List<Mark> marks, int from) {
        for (int j = from + 1; j < marks.size(); j++) {
            if (marks.get(j).boundary() == null) {
                return marks.get(j).step();
            }
        }
        return null;
    }

    private static String nth(int run) {
        return run > 1 ? " (its run " + run + ")" : "";
    }
}
