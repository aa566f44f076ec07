package dev.acidic.processor.it;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.JobRequest;
import dev.acidic.api.PhaseResult;
import dev.acidic.api.StepContext;
import dev.acidic.api.TerminalJobException;
import dev.acidic.processor.internal.faults.Faults;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Jobs used by the processor's integration tests. Every step records its effect in
 * {@code test_effects} inside its phase transaction, so a row exists exactly when the phase
 * committed; {@code test_attempts} counts runs outside the transaction (in autocommit on its own
 * connection would need a pool, so it is kept in memory per JVM).
 */
public final class TestJobs {
    public static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS test_effects (
                idempotency_key text NOT NULL,
                step            text NOT NULL,
                attempt         integer NOT NULL,
                at              timestamptz NOT NULL DEFAULT clock_timestamp());
            CREATE TABLE IF NOT EXISTS test_deadlock (id integer PRIMARY KEY, v integer NOT NULL);
            CREATE TABLE IF NOT EXISTS test_chunks (idempotency_key text NOT NULL, n integer NOT NULL);
            CREATE TABLE IF NOT EXISTS test_gates (idempotency_key text PRIMARY KEY, open boolean NOT NULL);
            INSERT INTO test_deadlock VALUES (1, 0), (2, 0) ON CONFLICT DO NOTHING""";

    /** Runs of each (key, step), counted whether or not the phase committed. */
    public static final Map<String, AtomicInteger> RUNS = new ConcurrentHashMap<>();

    private TestJobs() {}

    public static List<JobDefinition> all() {
        List<JobDefinition> all = new java.util.ArrayList<>(List.of(threeSteps(), flaky(), terminal(), deadlock(), staging(), looping(),
                child(), slow(), runaway(), misuse(), big(), counted()));
        all.addAll(LifecycleJobs.all());
        all.addAll(ChildJobs.all());
        return List.copyOf(all);
    }

    /** test.three-steps: three steps, one effect row each. */
    public static JobDefinition threeSteps() {
        return JobDefinition.named("test.three-steps")
                .step("first", TestJobs::effect)
                .step("second", TestJobs::effect)
                .step("third", TestJobs::effect)
                .build();
    }

    /**
     * test.flaky, args {"failTimes": n, "failStep": "second"}: the named step writes its effect and
     * then throws on its first n attempts, so its writes must roll back each time.
     */
    public static JobDefinition flaky() {
        return JobDefinition.named("test.flaky")
                .step("first", TestJobs::effect)
                .step("second", ctx -> flakyStep(ctx))
                .step("third", ctx -> flakyStep(ctx))
                .build();
    }

    private static PhaseResult flakyStep(StepContext ctx) throws SQLException {
        effect(ctx);
        int failTimes = ctx.args().path("failTimes").asInt(0);
        String failStep = ctx.args().path("failStep").asText("second");
        if (ctx.step().equals(failStep) && ctx.attempt() <= failTimes) {
            throw new IllegalStateException("planned failure " + ctx.attempt() + " of " + failTimes + " in " + ctx.step());
        }
        return PhaseResult.next();
    }

    /** test.terminal: the second step throws TerminalJobException. */
    public static JobDefinition terminal() {
        return JobDefinition.named("test.terminal")
                .step("first", TestJobs::effect)
                .step("second", ctx -> {
                    effect(ctx);
                    throw new TerminalJobException("card declined for " + ctx.idempotencyKey());
                })
                .build();
    }

    /**
     * test.deadlock: on its first run the step takes a row lock, a second connection takes another
     * and waits for the first, and the step then waits for the second's: a real Postgres deadlock,
     * which Postgres resolves by aborting the step's transaction (its deadlock_timeout is shorter).
     */
    public static JobDefinition deadlock() {
        return JobDefinition.named("test.deadlock")
                .step("first", TestJobs::effect)
                .step("second", ctx -> {
                    int run = runs(ctx);
                    effect(ctx);
                    if (run == 1) {
                        provokeDeadlock(ctx.connection());
                    }
                    return PhaseResult.next();
                })
                .build();
    }

    private static void provokeDeadlock(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET LOCAL deadlock_timeout = '50ms'");
            st.execute("UPDATE test_deadlock SET v = v + 1 WHERE id = 1");
        }
        Thread other = new Thread(() -> {
            try (Connection o = TestInfra.get().db.getConnection(); Statement st = o.createStatement()) {
                o.setAutoCommit(false);
                st.execute("SET LOCAL deadlock_timeout = '10s'");
                st.execute("UPDATE test_deadlock SET v = v + 1 WHERE id = 2");
                st.execute("UPDATE test_deadlock SET v = v + 1 WHERE id = 1");
                o.commit();
            } catch (SQLException e) {
                throw new IllegalStateException(e);
            }
        });
        other.start();
        try {
            waitUntilBlocked();
            try (Statement st = c.createStatement()) {
                st.execute("UPDATE test_deadlock SET v = v + 1 WHERE id = 2");
            }
        } finally {
            // the other transaction finishes once ours rolls back; do not wait for it here
        }
    }

    private static void waitUntilBlocked() throws SQLException {
        for (int i = 0; i < 200; i++) {
            try (Connection o = TestInfra.get().db.getConnection(); Statement st = o.createStatement();
                    var rs = st.executeQuery("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                            + "AND query LIKE 'UPDATE test_deadlock%id = 1'")) {
                rs.next();
                if (rs.getInt(1) > 0) {
                    return;
                }
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("the second transaction never blocked on the step's row lock");
    }

    /**
     * test.staging, args {"child": key, "failAfterStage": n}: stages a test.three-steps job under
     * the child key and then, on its first n attempts, throws (so that staged job must never be
     * published from those attempts).
     */
    public static JobDefinition staging() {
        return JobDefinition.named("test.staging")
                .step("stage", ctx -> {
                    effect(ctx);
                    ctx.stage(ctx.args().path("child").asText(), JobRequest.of("test.child", Map.of("parent", ctx.idempotencyKey())));
                    if (ctx.attempt() <= ctx.args().path("failAfterStage").asInt(0)) {
                        throw new IllegalStateException("planned failure after staging, attempt " + ctx.attempt());
                    }
                    return PhaseResult.next();
                })
                .build();
    }

    /** test.slow, args {"sleepMs": m}: the middle step writes its effect, then holds its phase open for m ms. */
    public static JobDefinition slow() {
        return JobDefinition.named("test.slow")
                .step("first", TestJobs::effect)
                .step("slow", ctx -> {
                    effect(ctx);
                    Thread.sleep(ctx.args().path("sleepMs").asLong(1000));
                    return PhaseResult.next();
                })
                .step("third", TestJobs::effect)
                .build();
    }

    /** What each stubborn step got when it tried to write after it was released: the failure, or a marker if it wrote. */
    public static final Map<String, Throwable> STUBBORN_LATE_WRITES = new ConcurrentHashMap<>();
    private static final Map<String, java.util.concurrent.CountDownLatch> STUBBORN = new ConcurrentHashMap<>();

    /** Counting it down lets the stubborn runaway steps of {@code key} end; they ignore interrupts until then. */
    public static java.util.concurrent.CountDownLatch stubbornLatch(String key) {
        return STUBBORN.computeIfAbsent(key, k -> new java.util.concurrent.CountDownLatch(1));
    }

    /**
     * test.runaway, args {"mode": m, "hangTimes": n, "hangStep": "hang"|"first"}: each step counts
     * its runs in {@link #RUNS} and writes its effect; the named step then, on its first n attempts,
     * does not end. Modes: "sleep" sleeps (interruptible); "stubborn" ignores interrupts until
     * {@link #stubbornLatch} of its key, then tries one more write on its connection (recorded in
     * {@link #STUBBORN_LATE_WRITES}); "sql" runs {@code pg_sleep(3600)}.
     */
    public static JobDefinition runaway() {
        return JobDefinition.named("test.runaway")
                .step("first", ctx -> runaway(ctx, "first"))
                .step("hang", ctx -> runaway(ctx, "hang"))
                .step("third", TestJobs::effect)
                .build();
    }

    private static PhaseResult runaway(StepContext ctx, String step) throws Exception {
        runs(ctx);
        effect(ctx);
        if (!step.equals(ctx.args().path("hangStep").asText("hang")) || ctx.attempt() > ctx.args().path("hangTimes").asInt(0)) {
            return PhaseResult.next();
        }
        switch (ctx.args().path("mode").asText()) {
            case "sleep" -> Thread.sleep(3_600_000);
            case "stubborn" -> {
                java.util.concurrent.CountDownLatch release = stubbornLatch(ctx.idempotencyKey());
                while (release.getCount() > 0) {
                    try {
                        release.await();
                    } catch (InterruptedException ignored) {
                        // a step that swallows interrupts: the worst case
                    }
                }
                try (PreparedStatement ps = ctx.connection().prepareStatement(
                        "INSERT INTO test_effects (idempotency_key, step, attempt) VALUES (?, 'late', ?)")) {
                    ps.setString(1, ctx.idempotencyKey());
                    ps.setInt(2, ctx.attempt());
                    ps.executeUpdate();
                    STUBBORN_LATE_WRITES.put(ctx.idempotencyKey() + "/" + ctx.attempt(), new AssertionError("wrote"));
                } catch (SQLException e) {
                    STUBBORN_LATE_WRITES.put(ctx.idempotencyKey() + "/" + ctx.attempt(), e);
                }
            }
            case "sql" -> {
                try (Statement st = ctx.connection().createStatement()) {
                    st.execute("SELECT pg_sleep(3600)");
                }
            }
            default -> throw new IllegalArgumentException("mode?");
        }
        return PhaseResult.next();
    }

    /**
     * test.misuse, args {"mode": m}: the middle step counts its runs in {@link #RUNS}, writes its
     * effect, then misuses {@code ctx.connection()}: "close" (try-with-resources on it), "commit",
     * "rollback", "autocommit", "isolation", "swallow" (catches a failed statement, leaving the
     * transaction aborted), "swallow-close" (catches the guard's error for close), or does it right:
     * "savepoint" (a failed statement inside a savepoint it rolls back to, then one more write).
     */
    public static JobDefinition misuse() {
        return JobDefinition.named("test.misuse")
                .step("first", TestJobs::effect)
                .step("misuse", TestJobs::misuseStep)
                .step("third", TestJobs::effect)
                .build();
    }

    private static PhaseResult misuseStep(StepContext ctx) throws SQLException {
        runs(ctx);
        effect(ctx);
        Connection c = ctx.connection();
        switch (ctx.args().path("mode").asText()) {
            case "close" -> {
                try (Connection mine = ctx.connection(); Statement st = mine.createStatement()) {
                    st.execute("SELECT 1");
                }
            }
            case "commit" -> c.commit();
            case "rollback" -> c.rollback();
            case "autocommit" -> c.setAutoCommit(true);
            case "isolation" -> c.setTransactionIsolation(Connection.TRANSACTION_SERIALIZABLE);
            case "swallow" -> {
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1 / 0");
                } catch (SQLException ignored) {
                    // the mistake under test: the transaction is now aborted
                }
            }
            case "swallow-close" -> {
                try {
                    c.close();
                } catch (RuntimeException ignored) {
                    // the mistake under test: going on after the guard said no
                }
            }
            case "savepoint" -> {
                java.sql.Savepoint sp = c.setSavepoint();
                try (Statement st = c.createStatement()) {
                    st.execute("SELECT 1 / 0");
                } catch (SQLException expected) {
                    c.rollback(sp);
                }
                try (PreparedStatement ps = c.prepareStatement(
                        "INSERT INTO test_effects (idempotency_key, step, attempt) VALUES (?, 'after-savepoint', ?)")) {
                    ps.setString(1, ctx.idempotencyKey());
                    ps.setInt(2, ctx.attempt());
                    ps.executeUpdate();
                }
            }
            default -> throw new IllegalArgumentException("mode?");
        }
        return PhaseResult.next();
    }

    /**
     * test.big, args {"mode": "result"|"message", "chars": n}: one effect, then finishes with a
     * result holding n characters, or throws an exception whose message has n characters.
     */
    public static JobDefinition big() {
        return JobDefinition.named("test.big")
                .step("first", TestJobs::effect)
                .step("big", ctx -> {
                    runs(ctx);
                    effect(ctx);
                    String blob = "x".repeat(ctx.args().path("chars").asInt());
                    if (ctx.args().path("mode").asText().equals("message")) {
                        throw new IllegalStateException(blob);
                    }
                    return PhaseResult.finish(Map.of("blob", blob));
                })
                .build();
    }

    /**
     * test.counted, args {"failFirst": bool}: three steps, each counting its runs in {@link #RUNS}
     * (outside any transaction, like a foreign call) and writing its effect; with failFirst the
     * first step throws on its first attempt.
     */
    public static JobDefinition counted() {
        return JobDefinition.named("test.counted")
                .step("first", ctx -> {
                    runs(ctx);
                    effect(ctx);
                    if (ctx.args().path("failFirst").asBoolean() && ctx.attempt() == 1) {
                        throw new IllegalStateException("planned first-attempt failure");
                    }
                    return PhaseResult.next();
                })
                .step("second", ctx -> {
                    runs(ctx);
                    return effect(ctx);
                })
                .step("third", ctx -> {
                    runs(ctx);
                    return effect(ctx);
                })
                .build();
    }

    /** test.child: one step, one effect. */
    public static JobDefinition child() {
        return JobDefinition.named("test.child").step("only", TestJobs::effect).build();
    }

    /** test.looping, args {"times": n, "sleepMs": m}: repeats its step n times, counting in values. */
    public static JobDefinition looping() {
        return JobDefinition.named("test.looping")
                .step("loop", ctx -> {
                    effect(ctx);
                    int done = ctx.values().get("done", Integer.class).orElse(0) + 1;
                    ctx.values().put("done", done);
                    long sleep = ctx.args().path("sleepMs").asLong(0);
                    if (sleep > 0) {
                        Thread.sleep(sleep);
                    }
                    return done < ctx.args().path("times").asInt(1) ? PhaseResult.repeat() : PhaseResult.finish(Map.of("done", done));
                })
                .build();
    }

    public static PhaseResult effect(StepContext ctx) throws SQLException {
        try (PreparedStatement ps = ctx.connection().prepareStatement(
                "INSERT INTO test_effects (idempotency_key, step, attempt) VALUES (?, ?, ?)")) {
            ps.setString(1, ctx.idempotencyKey());
            ps.setString(2, ctx.step());
            ps.setInt(3, ctx.attempt());
            ps.executeUpdate();
        }
        try {
            Faults.hit(Faults.Point.AFTER_STEP_WRITES, ctx.idempotencyKey());
        } catch (SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return PhaseResult.next();
    }

    private static int runs(StepContext ctx) {
        return RUNS.computeIfAbsent(ctx.idempotencyKey() + "/" + ctx.step(), k -> new AtomicInteger()).incrementAndGet();
    }

    /** The steps whose effects {@code key} committed, in order. */
    public static List<String> effects(javax.sql.DataSource db, String key) throws SQLException {
        List<String> out = new java.util.ArrayList<>();
        try (java.sql.Connection c = db.getConnection();
                PreparedStatement ps = c.prepareStatement("SELECT step FROM test_effects WHERE idempotency_key = ? ORDER BY at")) {
            ps.setString(1, key);
            try (java.sql.ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }
}
