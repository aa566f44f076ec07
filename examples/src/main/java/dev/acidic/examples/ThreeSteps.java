package dev.acidic.examples;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepContext;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * {@code samples.three-steps}, args {@code {"n": <int>, "call_ms": <int, optional>}}: three steps,
 * each inserting one row {@code (idempotency_key, step)} into {@code sample_effects} inside its
 * phase transaction. With {@code call_ms} the middle step first waits that long, standing in for a
 * call to a foreign service (the benchmark's W2). The effect table is how tests and benchmarks
 * prove each committed phase ran exactly once.
 */
public final class ThreeSteps {
    public static final String NAME = "samples.three-steps";

    private ThreeSteps() {}

    public static JobDefinition definition() {
        return JobDefinition.named(NAME)
                .step("first", ThreeSteps::record)
                .step("second", ThreeSteps::callThenRecord)
                .step("third", ThreeSteps::record)
                .build();
    }

    private static PhaseResult callThenRecord(StepContext ctx) throws SQLException, InterruptedException {
        int callMs = ctx.args().path("call_ms").asInt(0);
        if (callMs > 0) {
            Thread.sleep(callMs);
        }
        return record(ctx);
    }

    /** Writes the step's effect row in the phase transaction; also {@link FailingThreeSteps}'s effect. */
    static PhaseResult record(StepContext ctx) throws SQLException {
        try (PreparedStatement ps = ctx.connection().prepareStatement(
                "INSERT INTO sample_effects (idempotency_key, step, n) VALUES (?, ?, ?)")) {
            ps.setString(1, ctx.idempotencyKey());
            ps.setString(2, ctx.step());
            ps.setInt(3, ctx.args().path("n").asInt());
            ps.executeUpdate();
        }
        return PhaseResult.next();
    }

    /** The table the job writes; run at processor start-up through {@link ExampleJobs#schema()}. */
    public static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS sample_effects (
                idempotency_key text        NOT NULL,
                step            text        NOT NULL,
                n               integer,
                at              timestamptz NOT NULL DEFAULT clock_timestamp())""";
}
