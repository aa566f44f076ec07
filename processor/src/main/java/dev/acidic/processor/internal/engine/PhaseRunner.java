package dev.acidic.processor.internal.engine;

import dev.acidic.api.JobDefinition;
import dev.acidic.api.PhaseResult;
import dev.acidic.processor.internal.faults.Faults;
import dev.acidic.processor.internal.store.KeyRow;
import dev.acidic.processor.internal.store.KeyStore;
import dev.acidic.processor.internal.store.ShardLayout;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the atomic phases of one key, each in its own Postgres transaction: lock the key row FOR
 * UPDATE, check that this instance still owns it at the expected recovery point, run the step on
 * the same connection, write the journal and the row's advance, commit. A zombie whose lock was
 * taken over finds another owner (or another recovery point) in that check and stops without
 * running the step.
 */
final class PhaseRunner {
    private static final Logger log = LoggerFactory.getLogger(PhaseRunner.class);

    private final DataSource ds;
    private final KeyStore store;
    private final String owner;
    private final StepRunner steps;
    private final FailurePolicy policy;
    private final FailureRecorder failures;

    private final OutputLimits outputs;
    private final JobRegistry jobs;
    private final EngineObserver observer;
    private final ShardLayout layout;

    /** What a phase runner works with. */
    record Parts(DataSource ds, KeyStore store, String owner, StepRunner steps, FailurePolicy policy, FailureRecorder failures,
            OutputLimits outputs, JobRegistry jobs, EngineObserver observer, ShardLayout layout) {}

    PhaseRunner(Parts parts) {
        this.outputs = parts.outputs();
        this.jobs = parts.jobs();
        this.ds = parts.ds();
        this.store = parts.store();
        this.owner = parts.owner();
        this.steps = parts.steps();
        this.policy = parts.policy();
        this.failures = parts.failures();
        this.observer = parts.observer();
        this.layout = parts.layout();
    }

    /** A step (or the application of its result) threw; carries the original throwable. */
    static final class StepFailure extends Exception {
        private static final long serialVersionUID = 1L;

        StepFailure(Throwable cause) {
            super(cause);
        }
    }

    /**
     * Runs phases of a claimed key from {@code rp} until one stops the drive or the deadline passes.
     *
     * @param progress what this drive already committed for the key (appended to)
     */
    DriveResult phases(String key, JobDefinition def, String rp, Progress progress, long deadline) {
        while (true) {
            Phase p = phaseWithRetries(key, def, rp);
            progress.add(p);
            if (p.stop() != null) {
                return progress.result(p.stop(), p.retryInMillis());
            }
            rp = p.nextRecoveryPoint();
            if (System.nanoTime() >= deadline) {
                return progress.result(DriveResult.Kind.CONTINUE, 0);
            }
        }
    }

    /** Runs one phase, sorting its failures as {@link FailurePolicy} says. */
    @SuppressWarnings("try") // the scope is the point: the MDC holds while the phase runs
    Phase phaseWithRetries(String key, JobDefinition def, String rp) {
        try (LogContext lc = LogContext.of(key, def.name(), rp, null)) {
            return phaseWithRetriesLogged(key, def, rp);
        }
    }

    private Phase phaseWithRetriesLogged(String key, JobDefinition def, String rp) {
        for (int i = 0; ; i++) {
            long started = System.nanoTime();
            Throwable failure;
            boolean stepThrew;
            try {
                return phase(key, def, rp);
            } catch (StepFailure f) {
                failure = f.getCause();
                stepThrew = true;
            } catch (SQLException e) {
                failure = e; // the engine's own statements
                stepThrew = false;
            }
            long ranMs = (System.nanoTime() - started) / 1_000_000;
            FailurePolicy.Verdict v = policy.judge(rp, failure, stepThrew, ranMs, i);
            switch (v.action()) {
                case RETRY_NOW -> {
                    log.debug("phase '{}' of key '{}' hit a deadlock or serialization conflict; running it again (not counted)", rp, key);
                    Connections.pause(i);
                }
                case RETRY_LATER -> {
                    log.warn("phase '{}' of key '{}' could not run: {}; retrying in {} ms (not counted as a failed attempt)", rp, key,
                            failure.toString(), FailurePolicy.UNAVAILABLE_RETRY_MS);
                    return Phase.stop(DriveResult.Kind.WAIT, List.of(), FailurePolicy.UNAVAILABLE_RETRY_MS);
                }
                case COUNT -> {
                    return failures.record(key, def, rp, v.failure());
                }
                default -> throw new IllegalStateException("unexpected verdict " + v);
            }
        }
    }

    /**
     * Whether a step's failure counts as a failed attempt by itself (not a conflict to run again at
     * once, nor an outage to wait out), so that a round it failed can record it without running
     * the step again.
     */
    boolean counts(String step, Throwable failure) {
        return policy.judge(step, failure, true, 0, 0).action() == FailurePolicy.Action.COUNT;
    }

    /** A step's failed attempt, written by the caller in its own transaction (a batch round). */
    Transitions.Outcome failureInTransaction(String key, JobDefinition def, KeyRow row, Throwable failure) throws Exception {
        return failures.inTransaction(key, def, row, failure);
    }

    /** A failed attempt counted after its round (or phase) was rolled back. */
    Phase recordFailure(String key, JobDefinition def, String rp, Throwable failure) {
        return failures.record(key, def, rp, failure);
    }

    private Phase phase(String key, JobDefinition def, String rp) throws SQLException, StepFailure {
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            boolean committed = false;
            try {
                KeyRow row = store.lockRow(c, key);
                if (!stillOurs(key, rp, row)) {
                    c.rollback();
                    return Phase.stop(DriveResult.Kind.LOST, List.of(), 0);
                }
                Transitions.Outcome instead = beforeStep(c, key, def, row);
                if (instead != null) {
                    store.appendJournal(c, key, instead.entries());
                    store.update(c, key, instead.update());
                    c.commit();
                    committed = true;
                    return instead.phase();
                }
                Transitions.Outcome o = executeStep(c, key, def, row);
                store.appendJournal(c, key, o.entries());
                store.update(c, key, o.update());
                Faults.hit(Faults.Point.BEFORE_PHASE_COMMIT, key);
                c.commit();
                committed = true;
                Faults.hit(Faults.Point.AFTER_PHASE_COMMIT, key);
                return o.phase();
            } catch (SQLException | RuntimeException e) {
                if (!committed) {
                    Connections.rollbackQuietly(c, e);
                }
                throw e;
            } catch (StepFailure e) {
                Connections.rollbackQuietly(c, e.getCause());
                throw e;
            } catch (Exception e) {
                // a fault hook that threw a checked exception
                if (!committed) {
                    Connections.rollbackQuietly(c, e);
                }
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * What a phase does, on {@code row} locked in {@code c}'s transaction, before any step: null to
     * run the step at the row's recovery point; else the outcome to write in its place, a move
     * from a former step to the one the definition maps it to, or the job's DEFINITION_CHANGED
     * failure (see {@link Transitions#beforeStep}). A job that runs on (moved or not) under a
     * definition with other steps than the ones stored gets this definition's stored, so that a
     * later failure names the steps it last ran under; a failing job keeps the ones it had.
     */
    Transitions.Outcome beforeStep(Connection c, String key, JobDefinition def, KeyRow row) throws SQLException {
        Transitions.Outcome instead = Transitions.beforeStep(key, def, row, owner);
        boolean fails = instead != null && "FAILED".equals(instead.update().status());
        if (!fails && Transitions.stepsChanged(def, row)) {
            store.setSteps(c, key, def.stepNames());
        }
        if (fails) {
            log.error("failing job: {}", instead.update().error().path("message").asText());
        } else if (instead != null) {
            log.info("job '{}' key '{}': former step '{}' maps to step '{}' of the current definition; the job continues there",
                    def.name(), key, row.recoveryPoint(), instead.update().recoveryPoint());
        }
        return instead;
    }

    /** Whether the locked row is still this instance's, at {@code rp}; logs why not. */
    boolean stillOurs(String key, String rp, KeyRow row) {
        if (row != null && row.running() && owner.equals(row.lockedBy()) && rp.equals(row.recoveryPoint())) {
            return true;
        }
        log.info("key '{}': no longer ours at '{}' (now {} at '{}', locked by {}); stopping", key, rp,
                row == null ? "gone" : row.status(), row == null ? null : row.recoveryPoint(), row == null ? null : row.lockedBy());
        return false;
    }

    /** Runs the step at the row's recovery point on {@code c} and works out what it leads to. */
    @SuppressWarnings("try") // the scope is the point: the MDC holds while the step runs
    Transitions.Outcome executeStep(Connection c, String key, JobDefinition def, KeyRow row) throws StepFailure {
        String rp = row.recoveryPoint();
        GuardedConnection guard = new GuardedConnection(c, key, def.name(), rp);
        StepContextImpl ctx = new StepContextImpl(store, c, guard.connection(), key, def.name(), rp, row.args(),
                row.attempts() + 1, row.stagedSeq(), row.run(), jobs, layout);
        long started = System.nanoTime();
        try (LogContext lc = LogContext.of(key, def.name(), rp, row.run())) {
            Faults.hit(Faults.Point.BEFORE_STEP, key);
            PhaseResult result = steps.step(def.step(rp), ctx, () -> Connections.abandon(c));
            guard.check();
            if (result == null) {
                throw new IllegalStateException("step '" + rp + "' of job '" + def.name()
                        + "' returned null; return a PhaseResult such as PhaseResult.next()");
            }
            String tooLarge = outputs.problem(def.name(), rp, key, result, ctx.staged());
            if (tooLarge != null) {
                throw new IllegalStateException(tooLarge);
            }
            return Transitions.afterStep(def, row, result, owner, ctx.staged(), ctx.stagedSeq(), ctx);
        } catch (Throwable t) {
            if (t instanceof Error err && !(t instanceof AssertionError)) {
                throw err;
            }
            throw new StepFailure(t);
        } finally {
            observer.stepRan(def.name(), rp, System.nanoTime() - started);
        }
    }

    /** The length of {@code node} as UTF-8 JSON, counted as it is written (nothing is kept). */
    static long utf8Length(com.fasterxml.jackson.databind.JsonNode node) {
        long[] n = new long[1];
        java.io.OutputStream counter = new java.io.OutputStream() {
            @Override
            public void write(int b) {
                n[0]++;
            }

            @Override
            public void write(byte[] b, int off, int len) {
                n[0] += len;
            }
        };
        try {
            dev.acidic.api.Wire.writer().writeValue(counter, node);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return n[0];
    }
}
