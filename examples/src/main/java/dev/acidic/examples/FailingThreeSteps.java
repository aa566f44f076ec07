package dev.acidic.examples;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepContext;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicIntegerArray;

/**
 * {@code samples.three-steps-failing}, args {@code {"n": <int>, "fail_first": <bool, optional>}}:
 * {@link ThreeSteps}' three steps and effect rows (the benchmark's W1F), counting its step runs.
 * With {@code fail_first} the first step writes its effect, then throws on attempt 1, so that
 * effect must roll back and the retry succeeds.
 *
 * <p>Every run of a step is counted in this JVM's memory, outside any transaction, so a run whose
 * phase rolled back still counts (as a foreign call made by it would have happened). The last step
 * writes the job's counts into {@code sample_step_runs}, in its own phase transaction, only when
 * they differ from one run per step: a job that ran each step once, the normal case, costs no SQL
 * beyond {@link ThreeSteps}' and the benchmark sees no row for it. The counts see only this JVM's
 * runs: a job that moved to another instance mid-way shows a step with no run there, which the
 * benchmark reports as counted elsewhere rather than as a clean run.
 */
public final class FailingThreeSteps {
    public static final String NAME = "samples.three-steps-failing";
    static final List<String> STEPS = List.of("first", "second", "third");

    /** idempotency key -> runs of each step in this JVM; kept for the JVM's life (about 200 bytes a job). */
    private static final Map<String, AtomicIntegerArray> RUNS = new ConcurrentHashMap<>();

    private FailingThreeSteps() {}

    public static JobDefinition definition() {
        return JobDefinition.named(NAME)
                .step(STEPS.get(0), FailingThreeSteps::first)
                .step(STEPS.get(1), ctx -> {
                    count(ctx, 1);
                    return ThreeSteps.record(ctx);
                })
                .step(STEPS.get(2), FailingThreeSteps::last)
                .build();
    }

    private static PhaseResult first(StepContext ctx) throws SQLException {
        count(ctx, 0);
        ThreeSteps.record(ctx);
        if (ctx.attempt() == 1 && ctx.args().path("fail_first").asBoolean(false)) {
            throw new IllegalStateException("planned failure of the first attempt (fail_first)");
        }
        return PhaseResult.next();
    }

    private static PhaseResult last(StepContext ctx) throws SQLException {
        AtomicIntegerArray runs = count(ctx, 2);
        int first = runs.get(0);
        int second = runs.get(1);
        int third = runs.get(2);
        if (first != 1 || second != 1 || third != 1) {
            try (PreparedStatement ps = ctx.connection().prepareStatement(
                    "INSERT INTO sample_step_runs (idempotency_key, first, second, third) VALUES (?, ?, ?, ?)")) {
                ps.setString(1, ctx.idempotencyKey());
                ps.setInt(2, first);
                ps.setInt(3, second);
                ps.setInt(4, third);
                ps.executeUpdate();
            }
        }
        return ThreeSteps.record(ctx);
    }

    private static AtomicIntegerArray count(StepContext ctx, int step) {
        AtomicIntegerArray runs = RUNS.computeIfAbsent(ctx.idempotencyKey(), k -> new AtomicIntegerArray(STEPS.size()));
        runs.incrementAndGet(step);
        return runs;
    }

    /**
     * The counts of jobs that did not run each step exactly once in one JVM; run at processor
     * start-up through {@link ExampleJobs#schema()}.
     */
    public static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS sample_step_runs (
                idempotency_key text    NOT NULL,
                first           integer NOT NULL,
                second          integer NOT NULL,
                third           integer NOT NULL)""";
}
