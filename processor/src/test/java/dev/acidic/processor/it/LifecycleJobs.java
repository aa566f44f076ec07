package dev.acidic.processor.it;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.PhaseResult;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.List;

/** Test jobs for the lifecycle: waits, repeats, jumps back. Each step's effect goes to {@code test_effects}. */
final class LifecycleJobs {
    private LifecycleJobs() {}

    static List<JobDefinition> all() {
        return List.of(waiting(), chunks(), recovering(), approval(), halting(), gated());
    }

    /**
     * test.waiting, args {"waitMs": n}: "before" writes its effect and makes the job wait n ms
     * (the due time, by the JVM's clock, goes to the values as "due"); "after" writes its effect.
     */
    static JobDefinition waiting() {
        return JobDefinition.named("test.waiting")
                .step("before", ctx -> {
                    TestJobs.effect(ctx);
                    Instant due = Instant.now().plusMillis(ctx.args().path("waitMs").asLong(1000));
                    ctx.values().put("due", due.toString());
                    return PhaseResult.waitUntil(due);
                })
                .step("after", TestJobs::effect)
                .build();
    }

    /**
     * test.chunks, args {"rows": n, "chunk": c}: "walk" inserts the next c of n numbered rows into
     * {@code test_chunks}, keeping its cursor in the values, and repeats until all are written
     * (each chunk a phase of its own); "done" writes its effect.
     */
    static JobDefinition chunks() {
        return JobDefinition.named("test.chunks")
                .step("walk", ctx -> {
                    int rows = ctx.args().path("rows").asInt(1000);
                    int chunk = ctx.args().path("chunk").asInt(100);
                    int from = ctx.values().get("cursor", Integer.class).orElse(0);
                    int to = Math.min(rows, from + chunk);
                    try (PreparedStatement ps = ctx.connection().prepareStatement(
                            "INSERT INTO test_chunks (idempotency_key, n) SELECT ?, generate_series(?, ?)")) {
                        ps.setString(1, ctx.idempotencyKey());
                        ps.setInt(2, from);
                        ps.setInt(3, to - 1);
                        ps.executeUpdate();
                    }
                    TestJobs.effect(ctx); // one effect per chunk (and the fault point after the step's writes)
                    ctx.values().put("cursor", to);
                    return to < rows ? PhaseResult.repeat() : PhaseResult.next();
                })
                .step("done", TestJobs::effect)
                .build();
    }

    /** test.recovering: steps a, b, c, each writing its effect; c jumps back to a once (counted in the values). */
    static JobDefinition recovering() {
        return JobDefinition.named("test.recovering")
                .step("a", TestJobs::effect)
                .step("b", TestJobs::effect)
                .step("c", ctx -> {
                    TestJobs.effect(ctx);
                    int loops = ctx.values().get("loops", Integer.class).orElse(0);
                    if (loops < 1) {
                        ctx.values().put("loops", loops + 1);
                        return PhaseResult.recoverTo("a");
                    }
                    return PhaseResult.next();
                })
                .build();
    }

    /**
     * test.approval, args {"timeoutMs": t, "waitFirstMs": w}: "prepare" writes its effect (and waits
     * w ms when given); "ask" writes its effect and awaits signal "approved" for up to t ms; "act"
     * writes its effect and finishes with {"approved": the signal's payload, or null}.
     */
    static JobDefinition approval() {
        return JobDefinition.named("test.approval")
                .step("prepare", ctx -> {
                    TestJobs.effect(ctx);
                    long w = ctx.args().path("waitFirstMs").asLong(0);
                    return w > 0 ? PhaseResult.waitUntil(Instant.now().plusMillis(w)) : PhaseResult.next();
                })
                .step("ask", ctx -> {
                    TestJobs.effect(ctx);
                    return PhaseResult.awaitSignal("approved", Duration.ofMillis(ctx.args().path("timeoutMs").asLong(60_000)));
                })
                .step("act", ctx -> {
                    TestJobs.effect(ctx);
                    Map<String, Object> result = new HashMap<>();
                    result.put("approved", ctx.signal("approved").orElse(null));
                    return PhaseResult.finish(result);
                })
                .build();
    }

    /**
     * test.gated: "check" writes its effect and fails for good (TerminalJobException) unless the
     * key's row in {@code test_gates} is open; "after" writes its effect and finishes with {"run": ctx.run()}.
     */
    static JobDefinition gated() {
        return JobDefinition.named("test.gated")
                .step("check", ctx -> {
                    TestJobs.effect(ctx);
                    try (java.sql.PreparedStatement ps = ctx.connection().prepareStatement(
                            "SELECT coalesce((SELECT open FROM test_gates WHERE idempotency_key = ?), false)")) {
                        ps.setString(1, ctx.idempotencyKey());
                        try (java.sql.ResultSet rs = ps.executeQuery()) {
                            rs.next();
                            if (!rs.getBoolean(1)) {
                                throw new dev.acidic.api.TerminalJobException("the gate of " + ctx.idempotencyKey() + " is closed");
                            }
                        }
                    }
                    return PhaseResult.next();
                })
                .step("after", ctx -> {
                    TestJobs.effect(ctx);
                    return PhaseResult.finish(Map.of("run", ctx.run()));
                })
                .build();
    }

    /** test.halting: "first" writes its effect and halts; "second", once resumed, writes its effect. */
    static JobDefinition halting() {
        return JobDefinition.named("test.halting")
                .step("first", ctx -> {
                    TestJobs.effect(ctx);
                    return PhaseResult.halt();
                })
                .step("second", TestJobs::effect)
                .build();
    }
}
