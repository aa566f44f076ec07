package dev.acidic.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobError;
import dev.acidic.api.JobRequest;
import dev.acidic.api.Wire;
import dev.acidic.processor.CrashPoints;
import dev.acidic.processor.DirectEngine;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import javax.sql.DataSource;

/**
 * The crash test behind {@link AcidicKit#crashAtEveryBoundary}. A clean run records the boundaries
 * the job meets; then, once per boundary, a fresh run of the job (a key of its own) is crashed
 * there — a {@link CrashPoints.SimulatedCrash} thrown from the boundary ends the drive with its open
 * transaction rolled back, and everything the "processor" held in memory is dropped — and recovered
 * as a processor restarted with the same instance id recovers: the request is delivered again.
 * Each recovered run must end as the clean run did, with the same events, and change every effect
 * by as much as the clean run did.
 */
final class BoundaryCrasher {
    private final DirectEngine engine;
    private final Timeline timeline;
    private final DataSource ds;
    private volatile Armed armed;

    /** A crash waiting for the {@code hit}-th time {@code key} meets {@code boundary}. */
    private record Armed(String key, CrashPoints.Boundary boundary, int hit, String where, AtomicInteger seen) {}

    /**
     * @param engine an engine running the job under test wrapped by {@code timeline} (and the jobs it stages)
     */
    BoundaryCrasher(DirectEngine engine, Timeline timeline) {
        this.engine = engine;
        this.timeline = timeline;
        this.ds = engine.dataSource();
    }

    CrashReport run(JobDefinition job, Object args, CrashCheck check, String keyPrefix) throws Exception {
        JobRequest request = JobRequest.of(job.name(), args);
        CrashPoints.install(this::reached);
        try {
            String cleanKey = keyPrefix + "clean";
            long[] before = measure(check, cleanKey);
            DriveLoop loop = new DriveLoop(engine);
            loop.submit(cleanKey, request);
            loop.runFor(check.timeout());
            JobRun clean = DirectRunner.read(engine, cleanKey, job.name(), loop.lastDrive(cleanKey));
            long[] cleanDelta = delta(before, measure(check, cleanKey));
            List<String> cleanProblems = cleanProblems(job, check, clean, cleanDelta);
            if (!cleanProblems.isEmpty()) {
                throw new org.opentest4j.AssertionFailedError("crashAtEveryBoundary(" + job.name() + "): the clean run (key '" + cleanKey
                        + "') cannot be compared with:\n  - " + String.join("\n  - ", cleanProblems) + clean.describe());
            }
            List<CrashReport.Crash> crashes = new ArrayList<>();
            int i = 0;
            for (Timeline.Point p : timeline.crashPoints(cleanKey)) {
                crashes.add(crash(p, keyPrefix + (++i), request, check, clean, cleanDelta));
            }
            return new CrashReport(job.name(), clean, crashes);
        } finally {
            armed = null;
            CrashPoints.clear();
        }
    }

    private void reached(CrashPoints.Boundary boundary, String key) {
        timeline.boundary(key, boundary);
        Armed a = armed;
        if (a != null && a.boundary() == boundary && Objects.equals(a.key(), key) && a.seen().incrementAndGet() == a.hit()) {
            armed = null;
            throw new CrashPoints.SimulatedCrash("acidic-testkit: simulated crash " + a.where() + " (key '" + key + "')");
        }
    }

    private CrashReport.Crash crash(Timeline.Point p, String key, JobRequest request, CrashCheck check, JobRun clean,
            long[] cleanDelta) throws Exception {
        long[] before = measure(check, key);
        armed = new Armed(key, p.boundary(), p.hit(), p.where(), new AtomicInteger());
        boolean crashed = false;
        DriveLoop doomed = new DriveLoop(engine);
        doomed.submit(key, request);
        try {
            doomed.runFor(check.timeout());
        } catch (CrashPoints.SimulatedCrash expected) {
            crashed = true;
        }
        armed = null;
        // the processor restarted with the same instance id; Kafka delivers the request again
        DirectEngine restarted = engine.restart();
        DriveLoop survivor = new DriveLoop(restarted);
        survivor.submit(key, request);
        survivor.runFor(check.timeout());
        JobRun recovered = DirectRunner.read(restarted, key, request.job(), survivor.lastDrive(key));
        long[] d = delta(before, measure(check, key));
        List<String> problems = new ArrayList<>();
        if (!crashed) {
            problems.add("the run never reached this boundary, so it did not crash: the job took another path than in its clean run"
                    + " (does it depend on time, randomness or state left by other runs?)");
        }
        compare(clean, recovered, check.ignoredResultFields(), problems);
        List<Effect> effects = check.effects();
        for (int e = 0; e < effects.size(); e++) {
            if (d[e] != cleanDelta[e]) {
                problems.add(effectProblem(effects.get(e).name(), d[e], cleanDelta[e], p));
            }
        }
        if (d[effects.size()] != cleanDelta[effects.size()]) {
            problems.add("it staged " + d[effects.size()] + " job(s), a clean run stages " + cleanDelta[effects.size()]);
        }
        if (!problems.isEmpty()) {
            problems.add("recovered run (key '" + key + "'):" + recovered.describe().replace("\n", "\n              "));
        }
        return new CrashReport.Crash(p.where(), p.boundary(), p.hit(), recovered, problems);
    }

    private static String effectProblem(String name, long got, long clean, Timeline.Point p) {
        String what = "effect '" + name + "' changed by " + got + ", a clean run changes it by " + clean;
        if (got > clean) {
            return what + switch (p.boundary()) {
                case BEFORE_PHASE_COMMIT -> ": the step ran, the crash rolled its phase back and the step ran again, so part of its"
                        + " work is outside its transaction (a second connection, a file, a static field, a call to another"
                        + " system): do it through ctx.connection(), or make it idempotent by passing ctx.idempotencyKey()"
                        + " (or a key derived from it) downstream";
                case AFTER_PHASE_COMMIT -> ": work that committed was done again after the crash";
                default -> ": the job did part of its work twice";
            };
        }
        return what + ": part of the work is missing after the recovery";
    }

    /** What makes a clean run useless as the reference. */
    private static List<String> cleanProblems(JobDefinition job, CrashCheck check, JobRun clean, long[] cleanDelta) {
        List<String> out = new ArrayList<>();
        if (!clean.finished()) {
            out.add("the job did not end within " + check.timeout() + " (a job that waits for a signal, a resume or a long time"
                    + " cannot be crash-tested as a whole yet)");
        }
        for (int e = 0; e < check.effects().size(); e++) {
            if (cleanDelta[e] == 0) {
                out.add("effect '" + check.effects().get(e).name() + "' did not change in a clean run, so it cannot tell once from"
                        + " twice: does its query see this run's rows (every ? is bound to the job's idempotency key)?");
            }
        }
        return out;
    }

    private static void compare(JobRun clean, JobRun got, Set<String> ignored, List<String> problems) {
        if (clean.status() != got.status()) {
            problems.add("it ended " + (got.status() == null ? "not at all" : got.status()) + ", a clean run ends " + clean.status());
            return;
        }
        JsonNode want = strip(clean.result(), ignored);
        JsonNode have = strip(got.result(), ignored);
        if (!Objects.equals(want, have)) {
            problems.add("its result is " + Wire.toJson(got.result()) + ", a clean run's is " + Wire.toJson(clean.result())
                    + (ignored.isEmpty() ? " (CrashCheck.ignoringResultFields leaves out fields that differ from run to run)" : ""));
        }
        JobError we = clean.error();
        JobError he = got.error();
        if (we != null && he != null && (!Objects.equals(we.type(), he.type()) || !Objects.equals(we.step(), he.step()))) {
            problems.add("it failed with " + he.type() + " at step '" + he.step() + "', a clean run with " + we.type() + " at step '"
                    + we.step() + "'");
        }
        if (!clean.eventTypes().equals(got.eventTypes())) {
            problems.add("its events are " + got.eventTypes() + ", a clean run's are " + clean.eventTypes());
        }
    }

    /** {@code node} without fields named in {@code ignored}, at any depth (a copy; null stays null). */
    static JsonNode strip(JsonNode node, Set<String> ignored) {
        if (node == null || ignored.isEmpty()) {
            return node;
        }
        if (node.isObject()) {
            ObjectNode o = Wire.objectNode();
            Map<String, JsonNode> fields = new LinkedHashMap<>();
            node.properties().forEach(e -> fields.put(e.getKey(), e.getValue()));
            fields.forEach((k, v) -> {
                if (!ignored.contains(k)) {
                    o.set(k, strip(v, ignored));
                }
            });
            return o;
        }
        if (node.isArray()) {
            ArrayNode a = Wire.mapper().createArrayNode();
            node.forEach(v -> a.add(strip(v, ignored)));
            return a;
        }
        return node;
    }

    /** Each effect's count for {@code key}, then the number of jobs the key staged. */
    private long[] measure(CrashCheck check, String key) throws Exception {
        List<Effect> effects = check.effects();
        long[] out = new long[effects.size() + 1];
        for (int i = 0; i < effects.size(); i++) {
            out[i] = effects.get(i).measure(ds, key);
        }
        out[effects.size()] = engine.staged(key, 0).size();
        return out;
    }

    private static long[] delta(long[] before, long[] after) {
        long[] d = new long[before.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = after[i] - before[i];
        }
        return d;
    }
}
